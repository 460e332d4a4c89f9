package dev.errand.core;

import java.time.Instant;
import java.util.Objects;

/**
 * The heartbeats of one attempt as the store counted them: how many extensions of its lease were
 * applied, and the store's clock at the first and the last. Bounded however long the attempt runs: a
 * store keeps the count and two times, never each beat. A stale extension (refused) is not counted.
 */
public record Heartbeats(int count, Instant first, Instant last) {
  public Heartbeats {
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1: " + count);
    }
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(last, "last");
  }

  /** The heartbeats of a count and two times, or null when there were none (a null or zero count). */
  public static Heartbeats ofNullable(Integer count, Instant first, Instant last) {
    return count == null || count < 1 || first == null || last == null ? null : new Heartbeats(count, first, last);
  }
}
