package dev.errand.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A worker speaking the HTTP worker protocol, for fault tests that kill it: in a child JVM,
 * {@code main(baseUrl, queue, workerId, log, workMillis)} claims (3 s leases), appends {@code "id worker"}
 * to {@code log} as each task starts (flushed, so a SIGKILL keeps it), works {@code workMillis} and
 * completes, retrying a 503 or a lost connection with the same lease token. In this JVM,
 * {@link #start} runs one.
 */
final class HttpWorkerProcess {
  private HttpWorkerProcess() {}

  /** Starts a child JVM running {@link #main}. */
  static Process start(String baseUrl, String queue, String workerId, Path log, int workMillis) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    return new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), HttpWorkerProcess.class.getName(),
        baseUrl, queue, workerId, log.toString(), Integer.toString(workMillis))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
  }

  public static void main(String[] args) throws Exception {
    run(new Http(args[0], null), args[1], args[2], Path.of(args[3]), Integer.parseInt(args[4]), () -> true);
  }

  /** Claims and works until {@code keepGoing} says no; each task's start is appended to {@code log}. */
  static void run(Http http, String queue, String workerId, Path log, int workMillis,
      java.util.function.BooleanSupplier keepGoing) throws Exception {
    try (FileOutputStream out = new FileOutputStream(log.toFile(), true)) {
      while (keepGoing.getAsBoolean()) {
        Http.Resp claim = retrying(() -> http.post("/v1/queues/" + queue + "/claim",
            "{\"workerId\":\"" + workerId + "\",\"max\":5,\"leaseSeconds\":3,\"waitSeconds\":1}"));
        if (claim.status() != 200) {
          Thread.sleep(100);
          continue;
        }
        List<String[]> leased = new ArrayList<>();
        for (JsonNode t : claim.json().path("tasks")) {
          leased.add(new String[] {t.path("id").asText(), t.path("leaseToken").asText()});
        }
        for (String[] task : leased) {
          out.write((task[0] + " " + workerId + "\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          Thread.sleep(workMillis);
          retrying(() -> http.post("/v1/tasks/" + task[0] + "/complete", "{\"leaseToken\":\"" + task[1] + "\"}"));
        }
      }
    }
  }

  /** The call, again after a 503 or a lost connection, until it gets another answer (at most 60 s). */
  private static Http.Resp retrying(java.util.function.Supplier<Http.Resp> call) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        Http.Resp r = call.get();
        if (r.status() != 503 || System.nanoTime() > deadline) {
          return r;
        }
      } catch (UncheckedIOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      Thread.sleep(100);
    }
  }
}
