package dev.errand.server.metrics;

import dev.errand.rabbitmq.RabbitMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The outbox relay's and the inbox's counts as Micrometer meters, in {@code /metrics} as
 * {@code errand_rabbitmq_messages_total{event=...}} and {@code errand_rabbitmq_confirm_latency_seconds}.
 */
public final class RabbitMeters implements RabbitMetrics {
  private final Counter published;
  private final Counter confirmed;
  private final Counter nacked;
  private final Counter returned;
  private final Counter republished;
  private final Counter consumed;
  private final Counter rejected;
  private final Timer confirmLatency;

  public RabbitMeters(MeterRegistry registry) {
    published = counter(registry, "published", "Messages the relay sent to the broker, republishes included");
    confirmed = counter(registry, "confirmed", "Messages the broker confirmed and routed");
    nacked = counter(registry, "nacked", "Messages nacked by the broker or unconfirmed by the deadline; retried");
    returned = counter(registry, "returned", "Messages returned as unroutable; dead");
    republished = counter(registry, "republished", "Messages sent again after a lost connection, same message-id");
    consumed = counter(registry, "consumed", "Deliveries the inbox took in as tasks and acked");
    rejected = counter(registry, "rejected", "Deliveries the inbox rejected to the dead-letter exchange");
    confirmLatency = Timer.builder("errand.rabbitmq.confirm.latency")
        .description("From a publish to the broker's confirm").publishPercentileHistogram().register(registry);
  }

  private static Counter counter(MeterRegistry registry, String event, String description) {
    return Counter.builder("errand.rabbitmq.messages").tag("event", event).description(description).register(registry);
  }

  @Override
  public void published(int n) {
    published.increment(n);
  }

  @Override
  public void confirmed(int n) {
    confirmed.increment(n);
  }

  @Override
  public void nacked(int n) {
    nacked.increment(n);
  }

  @Override
  public void returned(int n) {
    returned.increment(n);
  }

  @Override
  public void republished(int n) {
    republished.increment(n);
  }

  @Override
  public void confirmLatency(Duration latency) {
    confirmLatency.record(latency);
  }

  @Override
  public void consumed(int n) {
    consumed.increment(n);
  }

  @Override
  public void rejected(int n) {
    rejected.increment(n);
  }
}
