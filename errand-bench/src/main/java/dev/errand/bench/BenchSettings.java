package dev.errand.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every setting of one bench invocation; recorded in full in each JSON line so a result can be
 * reproduced.
 *
 * @param n tasks per run (for backlog: ready tasks waiting, with as many delayed beside them)
 * @param concurrency worker slots (drain, steady, latency) or enqueuing threads (enqueue)
 * @param batch tasks per enqueue call in batched enqueues
 * @param claimBatch most tasks one claim takes
 * @param payloadBytes size of each task's JSON payload
 * @param runs measured runs per scenario, each on a fresh store
 * @param warmup unmeasured runs before them
 * @param rate tasks per second of the latency scenario
 * @param producers enqueuing threads of the steady scenario
 * @param claims timed claims per backlog level
 * @param timeout longest a run may take before it is declared failed
 * @param serverJar the errand server's runnable jar for the HTTP scenarios, or null to skip them
 * @param serverJvmOptions the argument file of JVM options the server child process starts with (as
 *     {@code ./errand server} does), or null for the JVM's own defaults
 * @param completeBatch whether server-drain's HTTP workers complete each claimed batch with one
 *     {@code POST /v1/tasks:complete} rather than one {@code complete} per task
 */
record BenchSettings(int n, int concurrency, int batch, int claimBatch, int payloadBytes, int runs, int warmup,
    int rate, int producers, int claims, Duration timeout, Path serverJar, Path serverJvmOptions,
    boolean completeBatch) {

  BenchSettings {
    positive("n", n);
    positive("concurrency", concurrency);
    positive("batch", batch);
    positive("claimBatch", claimBatch);
    if (payloadBytes < 2) {
      throw new IllegalArgumentException("payloadBytes must be at least 2 (the smallest JSON string): " + payloadBytes);
    }
    positive("runs", runs);
    if (warmup < 0) {
      throw new IllegalArgumentException("warmup must not be negative: " + warmup);
    }
    positive("rate", rate);
    positive("producers", producers);
    positive("claims", claims);
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }

  BenchSettings withN(int newN) {
    return new BenchSettings(newN, concurrency, batch, claimBatch, payloadBytes, runs, warmup, rate, producers,
        claims, timeout, serverJar, serverJvmOptions, completeBatch);
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", n);
    m.put("concurrency", concurrency);
    m.put("batch", batch);
    m.put("claim_batch", claimBatch);
    m.put("payload_bytes", payloadBytes);
    m.put("runs", runs);
    m.put("warmup", warmup);
    m.put("rate", rate);
    m.put("producers", producers);
    m.put("claims", claims);
    m.put("timeout_s", timeout.toSeconds());
    m.put("server_jar", serverJar == null ? null : serverJar.getFileName().toString());
    m.put("server_jvm_options", serverJvmOptions == null ? List.of() : JvmOptions.read(serverJvmOptions));
    m.put("complete_batch", completeBatch);
    return m;
  }
}
