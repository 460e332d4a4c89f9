package dev.errand.micrometer;

import dev.errand.core.ErrandException;
import dev.errand.core.TaskState;
import dev.errand.core.spi.QueueInfo;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Gauges of queue depth by state ({@code errand.queue.depth}), running tasks ({@code errand.tasks.running}),
 * how long the oldest ready task has waited ({@code errand.queue.oldest.ready.age}, in seconds: zero when
 * none waits) and pause flags, read from {@code errand::queues} at scrape time. Depths of SUCCEEDED and
 * CANCELLED are what the store counts, which may stop at a bound (see {@link QueueInfo}). The answer is cached for {@code ttl},
 * so however often scrapes come (and each gauge reads it), the store sees at most one query per ttl.
 * A queue seen for the first time gets its gauges at that read; call {@link #refresh()} before a scrape
 * so that they show in it. While the store fails, the last answer stays. Thread-safe.
 */
public final class QueueGauges implements MeterBinder {
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(2);

  private final Supplier<List<QueueInfo>> source;
  private final Duration ttl;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final Set<String> registered = ConcurrentHashMap.newKeySet();
  private volatile Map<String, QueueInfo> last = Map.of();
  private volatile long readAt = Long.MIN_VALUE / 2;
  private volatile MeterRegistry registry;

  /** @param clock what the oldest ready task's age is measured against (the store's clock, or close to it) */
  public QueueGauges(Supplier<List<QueueInfo>> source, Duration ttl, Clock clock) {
    this.source = Objects.requireNonNull(source, "source");
    this.ttl = Objects.requireNonNull(ttl, "ttl");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    this.registry = registry;
    refresh();
  }

  /** The queues as of at most ttl ago; reads the store if the cache is older (one reader at a time). */
  public Map<String, QueueInfo> snapshot() {
    if (System.nanoTime() - readAt < ttl.toNanos()) {
      return last;
    }
    lock.lock();
    try {
      if (System.nanoTime() - readAt >= ttl.toNanos()) {
        try {
          Map<String, QueueInfo> next = new TreeMap<>();
          for (QueueInfo q : source.get()) {
            next.put(q.queue(), q);
          }
          last = Map.copyOf(next);
        } catch (ErrandException | IllegalStateException e) {
          // the store's own timer counts the error; the gauges keep the last answer
        }
        readAt = System.nanoTime();
      }
    } finally {
      lock.unlock();
    }
    registerNew();
    return last;
  }

  /** Reads the queues if the cache is stale and registers gauges for queues not seen before. */
  public void refresh() {
    snapshot();
  }

  private void registerNew() {
    MeterRegistry r = registry;
    if (r == null) {
      return;
    }
    for (String queue : last.keySet()) {
      if (registered.add(queue)) {
        for (TaskState state : TaskState.values()) {
          gauge(r, "errand.queue.depth", "Tasks in the queue by state", queue, state.name(), q -> (double) q.count(state));
        }
        gauge(r, "errand.tasks.running", "Tasks running (leased by a worker)", queue, null,
            q -> (double) q.count(TaskState.RUNNING));
        gauge(r, "errand.queue.paused", "1 while the queue is paused", queue, null, q -> q.paused() ? 1.0 : 0.0);
        Gauge.builder("errand.queue.oldest.ready.age", this, g -> {
          QueueInfo q = g.snapshot().get(queue);
          return q == null ? 0.0 : q.oldestReadyAge(clock.instant()).toNanos() / 1e9;
        }).description("How long the queue's oldest task that may run now has waited since its runAt; 0 if none")
            .baseUnit("seconds").tag("queue", queue).register(r);
      }
    }
  }

  private void gauge(MeterRegistry r, String name, String description, String queue, String state,
      Function<QueueInfo, Double> value) {
    Gauge.Builder<QueueGauges> b = Gauge.builder(name, this, g -> {
      QueueInfo q = g.snapshot().get(queue);
      return q == null ? 0.0 : value.apply(q);
    }).description(description).tag("queue", queue);
    if (state != null) {
      b.tag("state", state);
    }
    b.register(r);
  }
}
