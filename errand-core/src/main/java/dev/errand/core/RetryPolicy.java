package dev.errand.core;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How often a task is tried and how long it waits between tries: exponential backoff with full jitter,
 * capped. The wait before try {@code n + 1} after failed try {@code n} is drawn uniformly from
 * {@code [base, min(cap, base * 2^(n-1))]}, so retries never stampede and never wait less than base.
 */
public record RetryPolicy(int maxAttempts, Duration base, Duration cap) {
  public static final int MAX_ATTEMPTS_LIMIT = 1000;
  public static final RetryPolicy DEFAULT = new RetryPolicy(25, Duration.ofSeconds(1), Duration.ofHours(1));

  public RetryPolicy {
    checkMaxAttempts(maxAttempts);
    Objects.requireNonNull(base, "backoff base");
    Objects.requireNonNull(cap, "backoff cap");
    if (base.isNegative() || base.isZero()) {
      throw new IllegalArgumentException("backoff base must be positive: " + base);
    }
    if (cap.compareTo(base) < 0) {
      throw new IllegalArgumentException("backoff cap must be at least base " + base + ": " + cap);
    }
  }

  /** Returns {@code maxAttempts} or throws IllegalArgumentException naming the field and the value. */
  static int checkMaxAttempts(int maxAttempts) {
    if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
      throw new IllegalArgumentException("maxAttempts must be in 1.." + MAX_ATTEMPTS_LIMIT + ": " + maxAttempts);
    }
    return maxAttempts;
  }

  public static RetryPolicy of(int maxAttempts, Duration base, Duration cap) {
    return new RetryPolicy(maxAttempts, base, cap);
  }

  public RetryPolicy withMaxAttempts(int maxAttempts) {
    return new RetryPolicy(maxAttempts, base, cap);
  }

  /** True if a task whose try number {@code attempt} failed may be tried again. */
  public boolean allowsRetryAfter(int attempt) {
    return attempt < maxAttempts;
  }

  /** The wait before the next try after try number {@code attempt} (1-based) failed. */
  public Duration backoff(int attempt, RandomGenerator random) {
    long baseNanos = base.toNanos();
    long capNanos = cap.toNanos();
    int shift = Math.max(0, Math.min(attempt - 1, 62));
    long ceiling = baseNanos > (capNanos >> shift) ? capNanos : Math.min(capNanos, baseNanos << shift);
    long span = ceiling - baseNanos;
    return Duration.ofNanos(baseNanos + (span <= 0 ? 0 : random.nextLong(span + 1)));
  }
}
