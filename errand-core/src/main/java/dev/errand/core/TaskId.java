package dev.errand.core;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A task's unique identifier. Generated ids are UUIDv7 strings: lexicographic order is creation order
 * (monotonic within this process even inside one millisecond), so stores page and sort by id alone.
 * Clients may name their own id; it must match {@code [A-Za-z0-9][A-Za-z0-9_.:-]{0,63}}.
 */
public record TaskId(String value) implements Comparable<TaskId> {
  private static final String FORMAT = "[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}";
  private static final int MAX_LENGTH = 64;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ReentrantLock LOCK = new ReentrantLock();
  private static long lastMillis;
  private static long lastCounter;

  public TaskId {
    Objects.requireNonNull(value, "id");
    if (!wellFormed(value)) {
      throw new IllegalArgumentException("id must match " + FORMAT + ": " + value);
    }
  }

  /**
   * Whether {@code value} matches {@link #FORMAT}, checked by hand: every task a store returns is
   * checked, and a regular expression costed a claim's reader a few percent of its CPU.
   */
  private static boolean wellFormed(String value) {
    int n = value.length();
    if (n == 0 || n > MAX_LENGTH || !alphanumeric(value.charAt(0))) {
      return false;
    }
    for (int i = 1; i < n; i++) {
      char c = value.charAt(i);
      if (!alphanumeric(c) && c != '_' && c != '.' && c != ':' && c != '-') {
        return false;
      }
    }
    return true;
  }

  private static boolean alphanumeric(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  public static TaskId of(String value) {
    return new TaskId(value);
  }

  /** A new UUIDv7 id: 48 bits of Unix millis, then a 12-bit counter and 62 random bits. */
  public static TaskId generate() {
    long millis = System.currentTimeMillis();
    long counter;
    LOCK.lock();
    try {
      if (millis <= lastMillis) {
        // Same (or an earlier, after a clock step back) millisecond: keep order by counting up.
        millis = lastMillis;
        counter = lastCounter + 1;
        if (counter > 0xFFF) {
          millis++;
          counter = 0;
        }
      } else {
        counter = RANDOM.nextInt(0x400); // leaves room to count up within the millisecond
      }
      lastMillis = millis;
      lastCounter = counter;
    } finally {
      LOCK.unlock();
    }
    long msb = (millis << 16) | 0x7000L | counter;
    long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new TaskId(hex(msb >>> 32, 8) + "-" + hex(msb >>> 16 & 0xFFFF, 4) + "-" + hex(msb & 0xFFFF, 4)
        + "-" + hex(lsb >>> 48, 4) + "-" + hex(lsb & 0xFFFFFFFFFFFFL, 12));
  }

  private static String hex(long value, int digits) {
    String s = Long.toHexString(value);
    return "0".repeat(digits - s.length()) + s;
  }

  // Written out, as the record's own would compute them: ids are hashed and compared on every claim,
  // and the generated versions go through method handles that showed in profiles of a drain.
  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof TaskId other && value.equals(other.value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public int compareTo(TaskId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
