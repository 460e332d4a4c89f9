package dev.errand.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An {@code errand server} child process on a free local port, owning one fresh store, for the HTTP
 * scenarios. Started from the server's runnable jar with the bench's own JDK and, when given, the JVM
 * options file {@code ./errand server} uses (a {@code java @file} argument file), so the bench measures
 * the server as users run it; its output goes to a log file that is shown when it fails to start.
 * {@link #close()} stops it gracefully (SIGTERM) and waits.
 */
final class ServerProcess implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final Path log;
  private final String baseUrl;

  private ServerProcess(Process process, Path log, String baseUrl) {
    this.process = process;
    this.log = log;
    this.baseUrl = baseUrl;
  }

  /** @param jvmOptions an argument file of JVM options, or null for the JVM's own defaults */
  static ServerProcess start(Path serverJar, Path jvmOptions, String storeUrl) throws IOException, InterruptedException {
    int port = freePort();
    Path log = Files.createTempFile("errand-bench-server-", ".log");
    List<String> command = new ArrayList<>(List.of(javaBinary()));
    if (jvmOptions != null) {
      command.add("@" + jvmOptions);
    }
    command.addAll(List.of("-jar", serverJar.toString(), "server",
        "--host", "127.0.0.1", "--port", Integer.toString(port), "--store", storeUrl));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    // An open server: the bench measures enqueue, not authentication.
    pb.environment().remove("ERRAND_TOKENS");
    pb.environment().remove("ERRAND_TOKENS_FILE");
    ServerProcess server = new ServerProcess(pb.start(), log, "http://127.0.0.1:" + port);
    server.awaitReady();
    return server;
  }

  String baseUrl() {
    return baseUrl;
  }

  /** The server JVM's process id, for reading its memory and CPU from {@code /proc}. */
  long pid() {
    return process.pid();
  }

  private void awaitReady() throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the server exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(baseUrl + "/health/ready"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100); // polling a child process that has no other way to say it is ready
    }
    close();
    throw new IllegalStateException("the server did not become ready within " + START_TIMEOUT + ":\n" + Files.readString(log));
  }

  static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor();
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // a leftover log in the temp directory is harmless
    }
  }
}
