package dev.errand.core;

/**
 * Flow limits of one queue, enforced by the store at claim time so they hold across every node:
 * <ul>
 *   <li>{@code maxRunning}: at most this many of the queue's tasks RUNNING at once, cluster-wide (a
 *       task whose lease has run out no longer counts); null for no cap.
 *   <li>{@code ratePerSecond} and {@code burst}: a token bucket on the store's clock. Each claimed task
 *       takes one token; tokens come back at {@code ratePerSecond} up to {@code burst}. Both null for
 *       no rate limit, or both set.
 * </ul>
 * Over any window of length {@code t}, a rate-limited queue hands out at most
 * {@code ratePerSecond * t + burst} tasks.
 */
public record QueueLimits(Integer maxRunning, Double ratePerSecond, Integer burst) {
  /** No cap and no rate limit: what a queue has until limits are set. */
  public static final QueueLimits NONE = new QueueLimits(null, null, null);

  /** The largest cap, rate and burst accepted: far above what any store can claim. */
  public static final int MAX_VALUE = 1_000_000;

  public QueueLimits {
    if (maxRunning != null && (maxRunning < 1 || maxRunning > MAX_VALUE)) {
      throw new IllegalArgumentException("maxRunning must be in 1.." + MAX_VALUE + ": " + maxRunning);
    }
    if ((ratePerSecond == null) != (burst == null)) {
      throw new IllegalArgumentException("ratePerSecond and burst go together: " + ratePerSecond + ", " + burst);
    }
    if (ratePerSecond != null && !(ratePerSecond > 0 && ratePerSecond <= MAX_VALUE)) {
      throw new IllegalArgumentException("ratePerSecond must be in (0, " + MAX_VALUE + "]: " + ratePerSecond);
    }
    if (burst != null && (burst < 1 || burst > MAX_VALUE)) {
      throw new IllegalArgumentException("burst must be in 1.." + MAX_VALUE + ": " + burst);
    }
  }

  /** A cluster-wide cap of {@code maxRunning} RUNNING tasks and no rate limit. */
  public static QueueLimits concurrency(int maxRunning) {
    return new QueueLimits(maxRunning, null, null);
  }

  /** A token bucket of {@code burst} tokens refilled at {@code ratePerSecond}, and no cap. */
  public static QueueLimits rate(double ratePerSecond, int burst) {
    return new QueueLimits(null, ratePerSecond, burst);
  }

  public QueueLimits withConcurrency(int maxRunning) {
    return new QueueLimits(maxRunning, ratePerSecond, burst);
  }

  public QueueLimits withRate(double ratePerSecond, int burst) {
    return new QueueLimits(maxRunning, ratePerSecond, burst);
  }

  public boolean isNone() {
    return maxRunning == null && ratePerSecond == null;
  }

  public boolean hasRate() {
    return ratePerSecond != null;
  }
}
