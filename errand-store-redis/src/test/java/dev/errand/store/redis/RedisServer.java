package dev.errand.store.redis;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@code redis-server} of the test's own, on a free port in a temporary directory, with the
 * persistence settings the test needs; never the machine's shared one. Without the binary a test skips,
 * except under {@code CI=true}, where it fails. {@link #kill} sends SIGKILL; {@link #start} starts it
 * again on the same directory and port, so the append-only file it left is replayed. Public for the
 * server's tests that run several server processes on one Redis.
 */
public final class RedisServer implements AutoCloseable {
  private static final AtomicInteger prefixes = new AtomicInteger();
  private static RedisServer shared;

  private final Path dir;
  private final int port;
  private final List<String> settings;
  private Process process;

  private RedisServer(Path dir, int port, List<String> settings) {
    this.dir = dir;
    this.port = port;
    this.settings = settings;
  }

  /** A server that keeps nothing on disk, shared by this JVM's tests (each uses its own prefix) and stopped at exit. */
  public static synchronized RedisServer shared() {
    if (shared == null) {
      shared = started("--appendonly", "no");
      RedisServer s = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(s::close));
    }
    return shared;
  }

  private static RedisServer sharedFsyncing;

  /**
   * A server that fsyncs every write ({@code appendonly yes}, {@code appendfsync always}), shared like
   * {@link #shared}: stores opened on it with {@code durability=strict} let completions ride with claims.
   */
  public static synchronized RedisServer sharedFsyncing() {
    if (sharedFsyncing == null) {
      sharedFsyncing = started("--appendonly", "yes", "--appendfsync", "always");
      RedisServer s = sharedFsyncing;
      Runtime.getRuntime().addShutdownHook(new Thread(s::close));
    }
    return sharedFsyncing;
  }

  /** A new server with these settings ({@code --appendonly yes --appendfsync always} and the like). */
  public static RedisServer started(String... settings) {
    String binary = binary();
    try {
      Path dir = Files.createTempDirectory("errand-redis-");
      RedisServer server = new RedisServer(dir, freePort(), new ArrayList<>(List.of(settings)));
      server.settings.addFirst(binary);
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String binary() {
    return onPath("redis-server");
  }

  /** The program {@code name} on the PATH; without it the test skips, except under {@code CI=true}, where it fails. */
  static String onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File f = new File(dir, name);
      if (f.canExecute()) {
        return f.getAbsolutePath();
      }
    }
    if ("true".equals(System.getenv("CI"))) {
      fail(name + " is not on the PATH; CI must provide it");
    }
    assumeTrue(false, name + " is not on the PATH");
    throw new AssertionError("unreachable");
  }

  /** A port free at the time of asking, for a second listener (a TLS port). */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts the server (again) and waits until it accepts connections and has loaded its data. */
  synchronized void start() {
    List<String> command = new ArrayList<>(settings);
    command.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
        "--save", "", "--daemonize", "no", "--logfile", dir.resolve("redis.log").toString()));
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile())
          .start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!answersPing()) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("redis-server did not start: " + Files.readString(dir.resolve("redis.log")));
        }
        Thread.sleep(20);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private boolean answersPing() {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(1000);
      s.getOutputStream().write("PING\r\n".getBytes());
      byte[] buf = new byte[64];
      int n = s.getInputStream().read(buf);
      return n > 0 && new String(buf, 0, n).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  /** SIGKILL: the server gets no chance to write anything more. */
  synchronized void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  public int port() {
    return port;
  }

  /** The store URL for this server with a prefix no other test uses, and these options. */
  public String url(String options) {
    return "redis://127.0.0.1:" + port + "/0?prefix=t" + ProcessHandle.current().pid() + "-"
        + prefixes.incrementAndGet() + (options.isEmpty() ? "" : "&" + options);
  }

  /** A store for a test, checking nothing of the server's persistence. */
  RedisStore newStore() {
    return RedisStore.of(url("durability=none"));
  }

  /** A store for a test that requires every write fsynced ({@link #sharedFsyncing}). */
  RedisStore newStrictStore() {
    return RedisStore.of(url("durability=strict"));
  }

  @Override
  public synchronized void close() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory left behind is harmless
    }
  }
}
