package dev.errand.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.TaskState;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.TaskStoreProvider;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code server-drain}: the server as users run it, its memory measured while remote workers drain it.
 * The server runs as a child process on a fresh store (with the server's JVM options file, as
 * {@code ./errand server} starts it); a {@link LoadGenerator} JVM enqueues N tasks over HTTP in batches
 * of {@code --batch} from {@code --producers} connections; then an {@link HttpWorkers} JVM drains them
 * through the worker protocol with {@code --concurrency} workers claiming up to {@code --claim-batch}
 * each and completing each claimed batch with one {@code POST /v1/tasks:complete} (variant
 * {@code http-workers}), or with one {@code complete} per task under {@code --no-complete-batch}
 * ({@code http-workers-single-complete}). The server's resident set is read from {@code /proc} every
 * {@value #SAMPLE_MILLIS} ms.
 *
 * <p>Reports drain tasks/s (first claim to last completion), {@code peak_rss_mib} (the kernel's
 * high-water mark over the server's whole life: start, enqueue and drain), the median and largest
 * sampled RSS while draining, the RSS once ready, and the server's CPU per drained task. The check: the
 * server created every task, the workers claimed each exactly once and no other, every completion was
 * accepted, a last claim finds nothing, and after the server stopped the store holds exactly N tasks,
 * all SUCCEEDED. Needs the server jar and Linux's {@code /proc}; skipped without the jar.
 */
final class ServerDrainScenario implements Scenario {
  static final long SAMPLE_MILLIS = 100;

  @Override
  public String name() {
    return "server-drain";
  }

  @Override
  public int defaultN() {
    return 1_000_000;
  }

  @Override
  public List<Measurement> run(StoreTarget target, BenchSettings s) throws Exception {
    if (s.serverJar() == null) {
      return List.of();
    }
    String prefix = "bench" + Long.toHexString(System.nanoTime());
    try (StoreTarget.FreshLocation location = target.freshLocation()) {
      Map<String, Double> m = new LinkedHashMap<>();
      try (ServerProcess server = ServerProcess.start(s.serverJar(), s.serverJvmOptions(), location.url())) {
        ProcStatus ready = ProcStatus.read(server.pid());
        RssSampler sampler = RssSampler.start(server.pid(), Duration.ofMillis(SAMPLE_MILLIS));
        try {
          long enqueueStart = System.nanoTime();
          JsonNode enqueued = LoadGenerator.run(server.baseUrl(), s.n(), s.producers(), s.batch(), s.payloadBytes(),
              prefix, 0, server.pid());
          long enqueueEnd = System.nanoTime();
          LoadGenerator.checkCreated(enqueued, s.n());
          ProcStatus beforeDrain = ProcStatus.read(server.pid());
          long drainStart = System.nanoTime();
          JsonNode drained = ChildJvm.run(HttpWorkers.class, server.baseUrl(), Integer.toString(s.n()),
              Integer.toString(s.concurrency()), Integer.toString(s.claimBatch()), prefix,
              Long.toString(s.timeout().toSeconds()), Boolean.toString(s.completeBatch()));
          long drainEnd = System.nanoTime();
          ProcStatus afterDrain = ProcStatus.read(server.pid());
          checkDrained(drained, s.n());
          double[] draining = RssSampler.mibBetween(sampler.stop(), drainStart, drainEnd);
          if (draining.length == 0) {
            throw new IllegalStateException("no RSS sample was taken while draining");
          }
          long serverCpu = afterDrain.cpuNanos() - beforeDrain.cpuNanos();
          m.put("tasks_per_s", Stats.perSecond(s.n(), drained.path("nanos").asLong()));
          double maxSampled = Stats.percentile(draining, 100);
          // The kernel's high-water mark can trail a sample by a page batch (per-CPU RSS counters): take both.
          m.put("peak_rss_mib", Math.max(ProcStatus.mib(afterDrain.peakRssKiB()), maxSampled));
          m.put("median_rss_mib", Stats.percentile(draining, 50));
          m.put("max_sampled_rss_mib", maxSampled);
          m.put("ready_rss_mib", ProcStatus.mib(ready.rssKiB()));
          m.put("end_anon_mib", ProcStatus.mib(afterDrain.anonKiB()));
          m.put("end_file_mib", ProcStatus.mib(afterDrain.fileKiB()));
          m.put("server_cpu_us_per_task", serverCpu / 1000.0 / s.n());
          m.put("server_cores_used", (double) serverCpu / (drainEnd - drainStart));
          m.put("enqueue_per_s", Stats.perSecond(s.n(), enqueueEnd - enqueueStart));
          m.put("drain_s", drained.path("nanos").asLong() / 1e9);
        } finally {
          sampler.stop();
        }
      }
      try (TaskStore store = TaskStoreProvider.openUrl(location.url())) {
        long succeeded = StoreCounts.count(store, CountingWorkers.QUEUE, TaskState.SUCCEEDED);
        long total = StoreCounts.total(store, CountingWorkers.QUEUE);
        if (succeeded != s.n() || total != s.n()) {
          throw new CorrectnessException("after the drain the store holds " + succeeded + " SUCCEEDED of " + total
              + " tasks, expected " + s.n() + " of " + s.n());
        }
      }
      return List.of(new Measurement(name(), s.completeBatch() ? "http-workers" : "http-workers-single-complete",
          s.n(), m));
    }
  }

  private static void checkDrained(JsonNode r, int n) {
    if (r.path("errors").asLong() > 0 || r.path("completed").asLong() != n || r.path("duplicates").asLong() != 0
        || r.path("unknown").asLong() != 0 || r.path("missing").asLong() != 0 || r.path("leftover").asLong() != 0) {
      throw new CorrectnessException("the HTTP workers completed " + r.path("completed").asLong() + " of " + n
          + " tasks: " + r.path("duplicates").asLong() + " claimed twice, " + r.path("unknown").asLong()
          + " never enqueued, " + r.path("missing").asLong() + " never claimed, " + r.path("leftover").asLong()
          + " left over, " + r.path("errors").asLong() + " failed calls (first: " + r.path("first_error").asText() + ")");
    }
  }
}
