package dev.errand.httptarget.internal;

import dev.errand.httptarget.Resolver;
import dev.errand.httptarget.TargetPolicy;
import dev.errand.httptarget.TargetRefusedException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Dns;

/**
 * The HTTP client's only resolver: it looks the name up once and hands the client the addresses the
 * policy allows, which are the addresses the client then connects to, so no second lookup can answer
 * differently (DNS rebinding). A name that resolves only to refused addresses is refused. The addresses
 * handed on carry the name they were looked up for, which {@link GuardedSocketFactory} reads to honour an
 * allow-list entry by name. Internal: not public API.
 */
public final class GuardedDns implements Dns {
  private final Resolver resolver;
  private final TargetPolicy policy;

  public GuardedDns(Resolver resolver, TargetPolicy policy) {
    this.resolver = resolver;
    this.policy = policy;
  }

  @Override
  public List<InetAddress> lookup(String host) throws UnknownHostException {
    List<InetAddress> found = resolver.resolve(host);
    boolean byName = policy.allowsHost(host);
    List<InetAddress> allowed = new ArrayList<>(found.size());
    String firstRefusal = null;
    for (InetAddress a : found) {
      String refusal = byName ? null : policy.refusal(a);
      if (refusal == null) {
        allowed.add(InetAddress.getByAddress(host, a.getAddress()));
      } else if (firstRefusal == null) {
        firstRefusal = refusal;
      }
    }
    if (allowed.isEmpty()) {
      throw firstRefusal != null
          ? new TargetRefusedException("target refused: " + host + " resolves to " + firstRefusal)
          : new UnknownHostException(host + " has no address");
    }
    return allowed;
  }
}
