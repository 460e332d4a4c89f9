package dev.errand.bench;

import dev.errand.core.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code drain}: N no-op tasks enqueued in bulk, then the workers start; tasks per second from the first
 * claim to the last durable completion. The bulk enqueue rate is reported beside it.
 */
final class DrainScenario extends FreshStoreScenario {
  DrainScenario() {
    super("drain", 100_000);
  }

  @Override
  List<Measurement> measure(FreshStore fresh, BenchSettings s) throws Exception {
    Ledger ledger = Ledger.ofFreshIds(s.n());
    CountingWorkers workers = new CountingWorkers(fresh.store(), ledger, s, false);
    Json payload = Payloads.ofSize(s.payloadBytes());
    long enqueueStart = System.nanoTime();
    workers.enqueueRange(0, s.n(), s.batch(), payload);
    long enqueueNanos = System.nanoTime() - enqueueStart;
    CpuUse cpu = CpuUse.start(fresh);
    workers.start();
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("tasks_per_s", 0.0); // keeps the headline first; set below
    workers.finish(s.timeout(), () -> cpu.put(m, s.n()));
    long drainNanos = workers.lastCompletionNanos() - workers.firstClaimNanos();
    m.put("tasks_per_s", Stats.perSecond(s.n(), drainNanos));
    m.put("drain_s", drainNanos / 1e9);
    m.put("enqueue_per_s", Stats.perSecond(s.n(), enqueueNanos));
    return List.of(new Measurement(name(), "drain", s.n(), m));
  }
}
