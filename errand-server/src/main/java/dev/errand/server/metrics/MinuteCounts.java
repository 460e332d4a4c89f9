package dev.errand.server.metrics;

import java.time.Clock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts of a few kinds of outcome per key (a queue, a worker) by minute, over the last {@code minutes}
 * minutes: fixed buckets per key, so memory follows the keys seen within the window and the cost of an
 * event is constant. A key with nothing in the window is forgotten when read. The lock is held for a few
 * array writes, never across I/O. Thread-safe; never throws.
 */
final class MinuteCounts {
  private final Clock clock;
  private final int minutes;
  private final int kinds;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Slots> byKey = new HashMap<>();

  private final class Slots {
    final long[] minute = new long[minutes];
    final long[][] counts = new long[minutes][kinds];

    Slots() {
      Arrays.fill(minute, -1);
    }
  }

  MinuteCounts(Clock clock, int minutes, int kinds) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.minutes = minutes;
    this.kinds = kinds;
  }

  void add(String key, int kind) {
    long now = clock.millis() / 60_000;
    int i = (int) (now % minutes);
    lock.lock();
    try {
      Slots s = byKey.computeIfAbsent(key, k -> new Slots());
      if (s.minute[i] != now) {
        s.minute[i] = now;
        Arrays.fill(s.counts[i], 0);
      }
      s.counts[i][kind]++;
    } finally {
      lock.unlock();
    }
  }

  /** The sums by kind over the last {@code last} minutes (at most the window), the current one included. */
  long[] sums(String key, int last) {
    long now = clock.millis() / 60_000;
    long[] out = new long[kinds];
    lock.lock();
    try {
      Slots s = byKey.get(key);
      if (s != null) {
        for (long m = now - Math.min(last, minutes) + 1; m <= now; m++) {
          int i = (int) (m % minutes);
          if (s.minute[i] == m) {
            for (int k = 0; k < kinds; k++) {
              out[k] += s.counts[i][k];
            }
          }
        }
      }
    } finally {
      lock.unlock();
    }
    return out;
  }

  /** The keys with counts in the window; forgets the others. */
  List<String> keys() {
    long oldest = clock.millis() / 60_000 - minutes + 1;
    lock.lock();
    try {
      byKey.values().removeIf(s -> Arrays.stream(s.minute).allMatch(m -> m < oldest));
      return List.copyOf(byKey.keySet());
    } finally {
      lock.unlock();
    }
  }
}
