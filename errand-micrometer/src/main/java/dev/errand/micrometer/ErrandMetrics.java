package dev.errand.micrometer;

import dev.errand.core.ErrandListener;
import dev.errand.core.Task;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Micrometer meters fed by an {@link ErrandListener}: counters of tasks enqueued, started, succeeded,
 * retried, dead, cancelled, released and of lost leases, and timers of the wait before a start and of
 * run times, all tagged by {@code queue} and {@code type}. Library users attach it to their own registry:
 *
 * <pre>{@code
 * ErrandMetrics metrics = new ErrandMetrics(registry);
 * Errand errand = Errand.builder().store(store).listener(metrics).build();
 * }</pre>
 *
 * <p>Meters of one queue and type are registered on first use and then kept in a map, so an event costs
 * one map lookup and an increment. Thread-safe; never throws; never calls back into Errand.
 */
public final class ErrandMetrics implements ErrandListener {
  private final MeterRegistry registry;
  private final Clock clock;
  private final ConcurrentMap<Key, Meters> meters = new ConcurrentHashMap<>();

  public ErrandMetrics(MeterRegistry registry) {
    this(registry, Clock.systemUTC());
  }

  /** @param clock measures failed runs, which the listener gets no run time for (from the claim's start) */
  public ErrandMetrics(MeterRegistry registry, Clock clock) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  private record Key(String queue, String type) {}

  /** Every meter of one queue and type. */
  private record Meters(Counter enqueued, Counter started, Counter succeeded, Counter retried, Counter dead,
      Counter cancelled, Counter released, Counter leaseLost, Timer waited, Timer runSucceeded, Timer runRetried,
      Timer runDead) {}

  private Meters meters(Task task) {
    return meters.computeIfAbsent(new Key(task.queue(), task.type()), this::register);
  }

  private Meters register(Key k) {
    Tags tags = Tags.of("queue", k.queue(), "type", k.type());
    return new Meters(
        counter("errand.tasks.enqueued", "Tasks created by an enqueue", tags),
        counter("errand.tasks.started", "Attempts started (tasks claimed by a worker)", tags),
        counter("errand.tasks.succeeded", "Attempts that succeeded", tags),
        counter("errand.tasks.retried", "Attempts that failed and will run again", tags),
        counter("errand.tasks.dead", "Tasks sent to the dead-letter queue", tags),
        counter("errand.tasks.cancelled", "Tasks cancelled before they finished", tags),
        counter("errand.tasks.released", "Attempts handed back without burning a try (shutdown, snooze)", tags),
        counter("errand.tasks.lease.lost", "Attempts whose worker lost the lease; their outcome was discarded", tags),
        Timer.builder("errand.task.wait").description("From when a task was due (enqueued or its delay over) to its start")
            .tags(tags).publishPercentileHistogram().register(registry),
        runTimer(tags, "succeeded"), runTimer(tags, "retried"), runTimer(tags, "dead"));
  }

  private Counter counter(String name, String description, Tags tags) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }

  private Timer runTimer(Tags tags, String outcome) {
    return Timer.builder("errand.task.run").description("Run time of an attempt, by outcome")
        .tags(tags).tag("outcome", outcome).publishPercentileHistogram().register(registry);
  }

  @Override
  public void enqueued(Task task) {
    meters(task).enqueued().increment();
  }

  @Override
  public void claimed(Task task) {
    Meters m = meters(task);
    m.started().increment();
    if (task.startedAt() != null) {
      Duration wait = Duration.between(task.runAt(), task.startedAt());
      m.waited().record(wait.isNegative() ? Duration.ZERO : wait);
    }
  }

  @Override
  public void succeeded(Task task, Duration runTime) {
    Meters m = meters(task);
    m.succeeded().increment();
    m.runSucceeded().record(runTime);
  }

  @Override
  public void retrying(Task task, String error, Duration retryIn) {
    Meters m = meters(task);
    m.retried().increment();
    m.runRetried().record(sinceStart(task));
  }

  @Override
  public void dead(Task task, String error) {
    Meters m = meters(task);
    m.dead().increment();
    m.runDead().record(sinceStart(task));
  }

  @Override
  public void released(Task task) {
    meters(task).released().increment();
  }

  @Override
  public void leaseLost(Task task) {
    meters(task).leaseLost().increment();
  }

  @Override
  public void cancelled(Task task) {
    meters(task).cancelled().increment();
  }

  /** A failed attempt's run time: from its start on the store's clock to now on ours, never negative. */
  private Duration sinceStart(Task task) {
    if (task.startedAt() == null) {
      return Duration.ZERO;
    }
    Duration d = Duration.between(task.startedAt(), Instant.now(clock));
    return d.isNegative() ? Duration.ZERO : d;
  }
}
