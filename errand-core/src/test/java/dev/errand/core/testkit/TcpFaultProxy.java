package dev.errand.core.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A loopback TCP proxy between a client (Errand) and a server (PostgreSQL) that injects network faults on
 * command, so tests can take the database away without touching the shared server:
 * <ul>
 *   <li>{@link #refuse()}: every open connection is reset, and every new one is reset as soon as it is
 *       accepted, as when the database is down;
 *   <li>{@link #stall()}: nothing is forwarded either way, and new connections are accepted but not
 *       connected onwards, as on a network that drops packets;
 *   <li>{@link #latency(Duration)}: every chunk waits that long before it is forwarded, each way;
 *   <li>{@link #loseAnswerTo(String)}: once, the first client message containing the marker is
 *       forwarded, and the server's answer to it is replaced by a reset of the connection: a statement
 *       that ran (and committed) whose answer was lost;
 *   <li>{@link #heal()}: ends refusal, stall and latency; new connections pass again.
 * </ul>
 * Thread-safe. Each connection uses two virtual threads.
 */
public final class TcpFaultProxy implements AutoCloseable {
  private enum Mode { PASS, REFUSE, STALL }

  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final Thread acceptor;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final AtomicReference<byte[]> loseMarker = new AtomicReference<>();
  private volatile Mode mode = Mode.PASS;
  private volatile Duration latency = Duration.ZERO;
  private volatile boolean closed;

  private TcpFaultProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    this.acceptor = Thread.ofPlatform().daemon().name("tcp-fault-proxy-" + listener.getLocalPort()).start(this::accept);
  }

  /** A proxy on a free loopback port forwarding to {@code host:port}. */
  public static TcpFaultProxy to(String host, int port) {
    try {
      return new TcpFaultProxy(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new IllegalStateException("cannot open a proxy port", e);
    }
  }

  /** The loopback port clients connect to. */
  public int port() {
    return listener.getLocalPort();
  }

  /** Resets every open connection and every new one until {@link #heal()}. */
  public void refuse() {
    setMode(Mode.REFUSE);
    links.forEach(Link::reset);
  }

  /** Forwards nothing either way until {@link #heal()}; new connections wait, accepted but not connected onwards. */
  public void stall() {
    setMode(Mode.STALL);
  }

  /** Delays every chunk, each way, by {@code delay}, until {@link #heal()}. */
  public void latency(Duration delay) {
    this.latency = delay;
  }

  /**
   * Once: forwards the first client message that contains {@code marker} (in its UTF-8 bytes) and resets
   * the connection instead of passing on the server's answer to it.
   */
  public void loseAnswerTo(String marker) {
    loseMarker.set(marker.getBytes(StandardCharsets.UTF_8));
  }

  /** True while a marker given to {@link #loseAnswerTo} has not yet been met. */
  public boolean answerLossPending() {
    return loseMarker.get() != null;
  }

  /** Ends refusal, stall and latency. */
  public void heal() {
    latency = Duration.ZERO;
    setMode(Mode.PASS);
  }

  /** Connections open through the proxy now. */
  public int connections() {
    return links.size();
  }

  private void setMode(Mode m) {
    lock.lock();
    try {
      mode = m;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waits while stalled; false if the connection must be reset instead. */
  private boolean mayPass() throws InterruptedException {
    lock.lock();
    try {
      while (mode == Mode.STALL && !closed) {
        changed.await();
      }
      return mode == Mode.PASS && !closed;
    } finally {
      lock.unlock();
    }
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      Link link = new Link(client);
      links.add(link);
      Thread.ofVirtual().name("tcp-fault-proxy-link").start(link::connect);
    }
  }

  @Override
  public void close() {
    closed = true;
    setMode(Mode.REFUSE);
    try {
      listener.close();
    } catch (IOException e) {
      // closing anyway
    }
    links.forEach(Link::reset);
    try {
      acceptor.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One client connection and its connection onwards. */
  private final class Link {
    private final Socket client;
    private volatile Socket server;
    private volatile boolean loseNextAnswer;

    Link(Socket client) {
      this.client = client;
    }

    void connect() {
      try {
        if (!mayPass()) {
          reset();
          return;
        }
        Socket s = new Socket();
        s.connect(target, 5_000);
        s.setTcpNoDelay(true);
        client.setTcpNoDelay(true);
        server = s;
        Thread.ofVirtual().name("tcp-fault-proxy-up").start(() -> pump(client, s, true));
        pump(s, client, false);
      } catch (IOException | InterruptedException e) {
        reset();
      }
    }

    private void pump(Socket from, Socket to, boolean upstream) {
      byte[] buffer = new byte[64 * 1024];
      byte[] tail = new byte[0]; // the end of the previous chunk, so a marker split across two is found
      try (InputStream in = from.getInputStream()) {
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buffer)) >= 0) {
          Duration delay = latency;
          if (!delay.isZero()) {
            Thread.sleep(delay);
          }
          if (!mayPass()) {
            break;
          }
          if (upstream) {
            byte[] marker = loseMarker.get();
            if (marker != null && contains(tail, buffer, n, marker) && loseMarker.compareAndSet(marker, null)) {
              loseNextAnswer = true;
            }
            tail = Arrays.copyOfRange(buffer, Math.max(0, n - 256), n);
          } else if (loseNextAnswer) {
            break; // the answer is never passed on
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // the connection ends either way
      }
      reset();
    }

    /** Closes both sides at once with a reset (linger 0), not an orderly close. */
    void reset() {
      links.remove(this);
      abort(client);
      Socket s = server;
      if (s != null) {
        abort(s);
      }
    }
  }

  private static void abort(Socket s) {
    try {
      if (!s.isClosed()) {
        s.setSoLinger(true, 0);
      }
      s.close();
    } catch (IOException e) {
      // already gone
    }
  }

  private static boolean contains(byte[] tail, byte[] buffer, int n, byte[] marker) {
    byte[] joined = new byte[tail.length + n];
    System.arraycopy(tail, 0, joined, 0, tail.length);
    System.arraycopy(buffer, 0, joined, tail.length, n);
    outer:
    for (int i = 0; i + marker.length <= joined.length; i++) {
      for (int j = 0; j < marker.length; j++) {
        if (joined[i + j] != marker[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
