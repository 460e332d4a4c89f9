package dev.errand.bench;

import dev.errand.core.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code steady}: producers enqueue in batches while the workers run; end-to-end tasks per second from
 * the first enqueue to the last durable completion, and the queue depth (enqueued minus completed)
 * sampled every {@value #SAMPLE_MILLIS} ms.
 */
final class SteadyScenario extends FreshStoreScenario {
  static final long SAMPLE_MILLIS = 100;

  SteadyScenario() {
    super("steady", 100_000);
  }

  @Override
  List<Measurement> measure(FreshStore fresh, BenchSettings s) throws Exception {
    Ledger ledger = Ledger.ofFreshIds(s.n());
    CountingWorkers workers = new CountingWorkers(fresh.store(), ledger, s, false);
    Json payload = Payloads.ofSize(s.payloadBytes());
    AtomicLong enqueued = new AtomicLong();
    AtomicReference<Throwable> producerFailure = new AtomicReference<>();
    List<Long> depth = new ArrayList<>();
    workers.start();
    CpuUse cpu = CpuUse.start(fresh);
    Map<String, Double> cpuMetrics = new LinkedHashMap<>();
    long start = System.nanoTime();
    List<Thread> producers = new ArrayList<>();
    int per = (s.n() + s.producers() - 1) / s.producers();
    for (int p = 0; p < s.producers(); p++) {
      int from = Math.min(s.n(), p * per);
      int to = Math.min(s.n(), from + per);
      producers.add(Thread.ofVirtual().name("bench-producer-" + p).start(() -> {
        try {
          for (int i = from; i < to; i += s.batch()) {
            int end = Math.min(to, i + s.batch());
            workers.enqueueRange(i, end, s.batch(), payload);
            enqueued.addAndGet(end - i);
          }
        } catch (Throwable t) {
          producerFailure.compareAndSet(null, t);
        }
      }));
    }
    Thread sampler = Thread.ofVirtual().name("bench-depth").start(() -> {
      long next = System.nanoTime();
      while (!Thread.currentThread().isInterrupted()) {
        depth.add(enqueued.get() - workers.succeeded());
        next += Duration.ofMillis(SAMPLE_MILLIS).toNanos();
        LockSupport.parkNanos(next - System.nanoTime());
      }
    });
    long enqueueEnd;
    try {
      for (Thread t : producers) {
        t.join();
      }
      enqueueEnd = System.nanoTime();
      if (producerFailure.get() != null) {
        throw new IllegalStateException("a producer failed", producerFailure.get());
      }
      workers.finish(s.timeout(), () -> cpu.put(cpuMetrics, s.n()));
    } finally {
      sampler.interrupt();
      sampler.join();
    }
    long nanos = workers.lastCompletionNanos() - start;
    long maxDepth = 0;
    List<Long> series = List.copyOf(depth); // the sampler has ended: join() published its list
    for (long d : series) {
      maxDepth = Math.max(maxDepth, d);
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("tasks_per_s", Stats.perSecond(s.n(), nanos));
    m.put("enqueue_per_s", Stats.perSecond(s.n(), enqueueEnd - start));
    m.put("max_depth", (double) maxDepth);
    m.putAll(cpuMetrics);
    return List.of(new Measurement(name(), "steady", s.n(), m, series));
  }
}
