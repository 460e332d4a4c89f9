package dev.errand.store.sqlite.internal;

import java.time.Duration;
import java.time.Instant;

/**
 * The store's encoding of time: instants as microseconds since the epoch, durations as nanoseconds, both
 * in one INTEGER column. Values beyond the range of a long (about 292,000 years of microseconds, 292
 * years of nanoseconds) saturate: such a delay or time-out means "never" either way.
 */
public final class Micros {
  private Micros() {}

  public static long of(Instant instant) {
    try {
      return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    } catch (ArithmeticException e) {
      return instant.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  public static Instant toInstant(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }

  /** {@code instant} at the precision the store keeps. */
  public static Instant truncate(Instant instant) {
    return toInstant(of(instant));
  }

  /** {@code micros} plus {@code duration}, saturating. */
  public static long plus(long micros, Duration duration) {
    long add;
    try {
      add = Math.addExact(Math.multiplyExact(duration.getSeconds(), 1_000_000L), duration.getNano() / 1_000);
    } catch (ArithmeticException e) {
      add = duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    long sum = micros + add;
    // Overflow only when both signs agree and the sum's sign differs.
    if (((micros ^ sum) & (add ^ sum)) < 0) {
      return add < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return sum;
  }

  public static long nanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
