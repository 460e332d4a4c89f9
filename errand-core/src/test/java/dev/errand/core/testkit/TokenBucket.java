package dev.errand.core.testkit;

import dev.errand.core.QueueLimits;
import java.time.Duration;
import java.time.Instant;

/**
 * The token bucket of a rate-limited queue, specified once: it holds up to {@code burst} tokens, refills
 * at {@code ratePerSecond} on the store's clock, and a claim takes at most its whole tokens, spending one
 * per task it returns. A new rate limit starts full. Stores run it inside their own claim statement, for
 * atomicity; the conformance suite checks each statement against this model on seeded random claims, and
 * the in-memory store claims by it. Immutable.
 *
 * @param tokens the tokens left, whole and fractional, as of {@code at}
 * @param at when the bucket was last refilled
 */
public record TokenBucket(double tokens, Instant at) {

  /** A new rate limit's bucket: full. */
  public static TokenBucket full(QueueLimits limits, Instant now) {
    return new TokenBucket(limits.burst(), now);
  }

  /** The bucket as of {@code now}: refilled for the time since {@link #at}, at most to the burst. */
  public TokenBucket refilled(QueueLimits limits, Instant now) {
    if (!now.isAfter(at)) {
      return this;
    }
    double seconds = Duration.between(at, now).toNanos() / 1e9;
    return new TokenBucket(Math.min(limits.burst(), tokens + seconds * limits.ratePerSecond()), now);
  }

  /** The most tasks a claim may take now: the whole tokens, never negative. */
  public long whole() {
    return Math.max(0, (long) Math.floor(tokens));
  }

  /** The bucket after a claim returned {@code n} tasks. */
  public TokenBucket spend(int n) {
    return new TokenBucket(tokens - n, at);
  }

  /** The same tokens, as if last refilled at {@code when}. */
  public TokenBucket asOf(Instant when) {
    return new TokenBucket(tokens, when);
  }
}
