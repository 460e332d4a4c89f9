package dev.errand.httptarget;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Looks a host name up; the system resolver by default. Called once per connection attempt; thread-safe. */
@FunctionalInterface
public interface Resolver {
  Resolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

  List<InetAddress> resolve(String host) throws UnknownHostException;
}
