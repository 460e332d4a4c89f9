package dev.errand.bench;

import dev.errand.core.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code latency}: tasks enqueued one by one at a fixed rate ({@code --rate}) into idle workers;
 * p50/p99/max of enqueue-to-start (the headline {@code p50_ms}, {@code p99_ms}, {@code max_ms}) and of
 * enqueue-to-complete (durable). Each enqueue starts on its own virtual thread at its scheduled time,
 * so a slow enqueue does not delay the next (open loop: no coordinated omission). Times run from the
 * moment the enqueue call starts, so they include the enqueue's own durable write.
 *
 * <p>Before the workers start, each run also times the machine's own hand-offs ({@link Handoffs}: a
 * parked virtual thread woken by another, 1,000 of them 2 ms apart), reported as {@code handoff_p50_ms}
 * and {@code handoff_p99_ms}: the tail of a single wake-up here, which every enqueue-to-start path pays
 * several times, read beside the run's own tail.
 */
final class LatencyScenario extends FreshStoreScenario {
  private static final int HANDOFFS = 1_000;
  private static final long HANDOFF_GAP_NANOS = 2_000_000;

  LatencyScenario() {
    super("latency", 1_000);
  }

  @Override
  List<Measurement> measure(FreshStore fresh, BenchSettings s) throws Exception {
    Ledger ledger = Ledger.ofFreshIds(s.n());
    CountingWorkers workers = new CountingWorkers(fresh.store(), ledger, s, true);
    Json payload = Payloads.ofSize(s.payloadBytes());
    long[] sent = new long[s.n()];
    long[] returned = new long[s.n()];
    AtomicReference<Throwable> enqueueFailure = new AtomicReference<>();
    Handoffs.Times handoffs = Handoffs.measure(HANDOFFS, HANDOFF_GAP_NANOS);
    workers.start();
    long period = 1_000_000_000L / s.rate();
    long t0 = System.nanoTime() + period;
    List<Thread> senders = new ArrayList<>(s.n());
    for (int i = 0; i < s.n(); i++) {
      long due = t0 + i * period;
      for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
        LockSupport.parkNanos(left);
      }
      int task = i;
      senders.add(Thread.ofVirtual().start(() -> {
        try {
          sent[task] = System.nanoTime();
          workers.errand().enqueue(workers.spec(task, payload));
          returned[task] = System.nanoTime();
        } catch (Throwable t) {
          enqueueFailure.compareAndSet(null, t);
        }
      }));
    }
    for (Thread t : senders) {
      t.join(); // also publishes sent[] and returned[] to this thread
    }
    if (enqueueFailure.get() != null) {
      throw new IllegalStateException("an enqueue failed", enqueueFailure.get());
    }
    workers.finish(s.timeout(), () -> {});
    double[] toStart = new double[s.n()];
    double[] toComplete = new double[s.n()];
    double[] call = new double[s.n()];
    for (int i = 0; i < s.n(); i++) {
      toStart[i] = Stats.ms(workers.startNanos(i) - sent[i]);
      toComplete[i] = Stats.ms(workers.completeNanos(i) - sent[i]);
      call[i] = Stats.ms(returned[i] - sent[i]);
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("p50_ms", Stats.percentile(toStart, 50));
    m.put("p99_ms", Stats.percentile(toStart, 99));
    m.put("max_ms", Stats.percentile(toStart, 100));
    m.put("complete_p50_ms", Stats.percentile(toComplete, 50));
    m.put("complete_p99_ms", Stats.percentile(toComplete, 99));
    m.put("complete_max_ms", Stats.percentile(toComplete, 100));
    m.put("enqueue_call_p50_ms", Stats.percentile(call, 50));
    m.put("enqueue_call_p99_ms", Stats.percentile(call, 99));
    m.put("handoff_p50_ms", handoffs.p50Ms());
    m.put("handoff_p99_ms", handoffs.p99Ms());
    return List.of(new Measurement(name(), "rate-" + s.rate(), s.n(), m));
  }
}
