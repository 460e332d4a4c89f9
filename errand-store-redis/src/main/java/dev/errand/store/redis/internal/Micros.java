package dev.errand.store.redis.internal;

import java.time.Duration;
import java.time.Instant;

/**
 * The store's encoding of time, the same as the scripts': instants as microseconds since the epoch on
 * the Redis server's clock, durations as microseconds (a task's timeout and backoff as nanoseconds,
 * which only Java reads back). Not public API.
 */
public final class Micros {
  private Micros() {}

  public static long of(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
  }

  public static long of(Duration duration) {
    return duration.toNanos() / 1_000;
  }

  public static Instant toInstant(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }
}
