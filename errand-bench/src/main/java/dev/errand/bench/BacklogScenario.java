package dev.errand.bench;

import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.TaskStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code backlog}: claim latency as the backlog grows, to show that a claim's cost does not grow with
 * it. The store is filled to a small level (N/100 ready tasks plus as many delayed an hour), then
 * {@code --claims} claims of {@code --claim-batch} are timed; then it is filled to N ready plus N
 * delayed and the same claims are timed again, on the same store in the same run, so the ratio of the
 * two p50s ({@code p50_ratio}) compares like with like.
 *
 * <p>Each timed claim goes straight to the store SPI, as a worker's claim does. After it, untimed, the
 * claimed tasks are completed and as many new ready tasks inserted, so the backlog stays at its level.
 * The check: every claim returns a full batch, no task is claimed twice, every completion is accepted,
 * and at the end the store holds exactly the claimed tasks SUCCEEDED, N READY and N SCHEDULED.
 */
final class BacklogScenario extends FreshStoreScenario {
  static final Duration DELAY = Duration.ofHours(1);

  BacklogScenario() {
    super("backlog", 1_000_000);
  }

  @Override
  List<Measurement> measure(FreshStore fresh, BenchSettings s) {
    TaskStore store = fresh.store();
    Errand client = Errand.builder().store(store).build();
    Json payload = Payloads.ofSize(s.payloadBytes());
    Set<TaskId> claimed = new HashSet<>();
    int small = Math.max(s.claimBatch(), s.n() / 100);

    long fillNanos = fill(client, small, s.batch(), payload);
    double[] atSmall = timeClaims(store, client, s, payload, claimed);
    fillNanos += fill(client, s.n() - small, s.batch(), payload);
    double[] atFull = timeClaims(store, client, s, payload, claimed);

    long succeeded = StoreCounts.count(store, CountingWorkers.QUEUE, TaskState.SUCCEEDED);
    long ready = StoreCounts.count(store, CountingWorkers.QUEUE, TaskState.READY);
    long scheduled = StoreCounts.count(store, CountingWorkers.QUEUE, TaskState.SCHEDULED);
    if (succeeded != claimed.size() || ready != s.n() || scheduled != s.n()) {
      throw new CorrectnessException("after the backlog run the store holds " + succeeded + " SUCCEEDED, " + ready
          + " READY and " + scheduled + " SCHEDULED; expected " + claimed.size() + ", " + s.n() + " and " + s.n());
    }

    Map<String, Double> smallMetrics = latency(atSmall);
    Map<String, Double> fullMetrics = latency(atFull);
    fullMetrics.put("p50_ratio", fullMetrics.get("p50_ms") / smallMetrics.get("p50_ms"));
    fullMetrics.put("fill_per_s", Stats.perSecond(2L * s.n(), fillNanos));
    return List.of(
        new Measurement(name(), "waiting-" + small + "+" + small + "-delayed", small, smallMetrics),
        new Measurement(name(), "waiting-" + s.n() + "+" + s.n() + "-delayed", s.n(), fullMetrics));
  }

  /** Adds {@code count} ready and {@code count} delayed tasks; returns the nanoseconds it took. */
  private static long fill(Errand client, int count, int batch, Json payload) {
    long start = System.nanoTime();
    for (int i = 0; i < count; i += batch) {
      int size = Math.min(batch, count - i);
      List<TaskSpec> specs = new ArrayList<>(2 * size);
      for (int j = 0; j < size; j++) {
        specs.add(TaskSpec.of(CountingWorkers.TYPE, payload));
        specs.add(TaskSpec.builder(CountingWorkers.TYPE).payload(payload).delay(DELAY).build());
      }
      client.enqueueMany(specs);
    }
    return System.nanoTime() - start;
  }

  private static double[] timeClaims(TaskStore store, Errand client, BenchSettings s, Json payload,
      Set<TaskId> claimed) {
    ClaimRequest request = new ClaimRequest(CountingWorkers.QUEUE, s.claimBatch(), Duration.ofSeconds(30), "bench");
    double[] ms = new double[s.claims()];
    for (int c = 0; c < s.claims(); c++) {
      long start = System.nanoTime();
      List<Task> tasks = store.claim(request).tasks();
      ms[c] = Stats.ms(System.nanoTime() - start);
      if (tasks.size() != s.claimBatch()) {
        throw new CorrectnessException("a claim of " + s.claimBatch() + " from a backlog of ready tasks returned "
            + tasks.size());
      }
      List<Completion> done = new ArrayList<>(tasks.size());
      List<TaskSpec> refill = new ArrayList<>(tasks.size());
      for (Task t : tasks) {
        if (!claimed.add(t.id())) {
          throw new CorrectnessException("task " + t.id() + " was claimed twice");
        }
        if (t.runAt().isAfter(t.createdAt().plus(Duration.ofMinutes(1)))) {
          throw new CorrectnessException("task " + t.id() + " was claimed before its delay passed");
        }
        done.add(new Completion(t.id(), t.lease().token(), new Completion.Succeeded(null)));
        refill.add(TaskSpec.of(CountingWorkers.TYPE, payload));
      }
      List<TaskId> stale = store.completeMany(new CompleteRequest(done)).stale();
      if (!stale.isEmpty()) {
        throw new CorrectnessException(stale.size() + " completions of freshly claimed tasks were refused as stale");
      }
      client.enqueueMany(refill);
    }
    return ms;
  }

  private static Map<String, Double> latency(double[] ms) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("p50_ms", Stats.percentile(ms, 50));
    m.put("p99_ms", Stats.percentile(ms, 99));
    m.put("max_ms", Stats.percentile(ms, 100));
    return m;
  }
}
