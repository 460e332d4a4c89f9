package dev.errand.httptarget.internal;

import dev.errand.httptarget.TargetPolicy;
import dev.errand.httptarget.TargetRefusedException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import javax.net.SocketFactory;

/**
 * Sockets that check, at {@code connect}, the very address they are about to connect to: the last word
 * on every connection the client makes (a literal address in the URL or in a redirect included, which no
 * resolver sees). An address that {@link GuardedDns} handed out for a host opened by name carries that
 * name and passes. Internal: not public API.
 */
public final class GuardedSocketFactory extends SocketFactory {
  private final TargetPolicy policy;

  public GuardedSocketFactory(TargetPolicy policy) {
    this.policy = policy;
  }

  @Override
  public Socket createSocket() throws SocketException {
    Socket s = new GuardedSocket(policy);
    // Headers and body go out in separate writes: with Nagle's algorithm the body waits for the peer's
    // delayed ACK of the headers, some 40 ms a request.
    s.setTcpNoDelay(true);
    return s;
  }

  // The client calls only createSocket() and connects itself; these are for completeness, and connect
  // through the same check.
  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return connected(null, new InetSocketAddress(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return connected(new InetSocketAddress(localHost, localPort), new InetSocketAddress(host, port));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return connected(null, new InetSocketAddress(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
    return connected(new InetSocketAddress(localAddress, localPort), new InetSocketAddress(address, port));
  }

  private Socket connected(InetSocketAddress local, InetSocketAddress remote) throws IOException {
    Socket s = createSocket();
    if (local != null) {
      s.bind(local);
    }
    s.connect(remote);
    return s;
  }

  private static final class GuardedSocket extends Socket {
    private final TargetPolicy policy;

    GuardedSocket(TargetPolicy policy) {
      this.policy = policy;
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
      if (!(endpoint instanceof InetSocketAddress isa) || isa.getAddress() == null) {
        throw new TargetRefusedException("target refused: " + endpoint + " is not a resolved address");
      }
      InetAddress a = isa.getAddress();
      String refusal = policy.refusal(a);
      if (refusal != null && !policy.allowsHost(lookedUpName(a))) {
        throw new TargetRefusedException("target refused: " + refusal);
      }
      super.connect(endpoint, timeout);
    }

    /** The name GuardedDns attached, read without a reverse lookup ("name/address", or "/address" for none). */
    private static String lookedUpName(InetAddress a) {
      String s = a.toString();
      int slash = s.indexOf('/');
      return slash > 0 ? s.substring(0, slash) : null;
    }
  }
}
