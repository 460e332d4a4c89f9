package dev.errand.rabbitmq;

import java.time.Duration;

/**
 * What the relay and the inbox count. Every method has a no-op default, so a recorder implements only
 * what it records and the hot path never asks whether metrics are on. Implementations must be fast,
 * thread-safe and never throw.
 */
public interface RabbitMetrics {
  RabbitMetrics NONE = new RabbitMetrics() {};

  /** Messages sent to the broker by the relay, first sends and republishes alike. */
  default void published(int n) {}

  /** Messages the broker confirmed (acked) and that were routed. */
  default void confirmed(int n) {}

  /** Messages the broker nacked, or whose confirm did not come by the deadline. */
  default void nacked(int n) {}

  /** Messages the broker returned as unroutable; they go to the dead-letter queue. */
  default void returned(int n) {}

  /** Messages sent again after a lost connection or channel, with the same message-id. */
  default void republished(int n) {}

  /** Time from a publish to its confirm. */
  default void confirmLatency(Duration latency) {}

  /** Deliveries the inbox took in as tasks (new or found again) and acked. */
  default void consumed(int n) {}

  /** Deliveries the inbox rejected without requeue (to the dead-letter exchange). */
  default void rejected(int n) {}
}
