package dev.errand.rabbitmq;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts one loop's events for its {@link RabbitStatus} and passes each on to the configured recorder.
 * Thread-safe. Internal.
 */
final class StatusCounts implements RabbitMetrics {
  private final RabbitMetrics next;
  private final LongAdder published = new LongAdder();
  private final LongAdder confirmed = new LongAdder();
  private final LongAdder nacked = new LongAdder();
  private final LongAdder returned = new LongAdder();
  private final LongAdder republished = new LongAdder();
  private final LongAdder consumed = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder latencies = new LongAdder();
  private final LongAdder latencyNanos = new LongAdder();
  private final AtomicLong lastLatencyNanos = new AtomicLong();

  StatusCounts(RabbitMetrics next) {
    this.next = next;
  }

  RabbitStatus status(String name, String role, String queue, boolean connected) {
    long n = latencies.sum();
    return new RabbitStatus(name, role, queue, connected, published.sum(), confirmed.sum(), nacked.sum(),
        returned.sum(), republished.sum(), consumed.sum(), rejected.sum(),
        Duration.ofNanos(n == 0 ? 0 : latencyNanos.sum() / n), Duration.ofNanos(lastLatencyNanos.get()));
  }

  @Override
  public void published(int n) {
    published.add(n);
    next.published(n);
  }

  @Override
  public void confirmed(int n) {
    confirmed.add(n);
    next.confirmed(n);
  }

  @Override
  public void nacked(int n) {
    nacked.add(n);
    next.nacked(n);
  }

  @Override
  public void returned(int n) {
    returned.add(n);
    next.returned(n);
  }

  @Override
  public void republished(int n) {
    republished.add(n);
    next.republished(n);
  }

  @Override
  public void confirmLatency(Duration latency) {
    long nanos = latency.toNanos();
    latencies.increment();
    latencyNanos.add(nanos);
    lastLatencyNanos.set(nanos);
    next.confirmLatency(latency);
  }

  @Override
  public void consumed(int n) {
    consumed.add(n);
    next.consumed(n);
  }

  @Override
  public void rejected(int n) {
    rejected.add(n);
    next.rejected(n);
  }
}
