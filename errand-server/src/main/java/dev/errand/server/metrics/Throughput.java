package dev.errand.server.metrics;

import dev.errand.core.ErrandListener;
import dev.errand.core.Task;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts of the last hour, by minute, of tasks enqueued, succeeded, retried and dead, for the dashboard's
 * charts (Prometheus keeps the long history). Sixty fixed buckets: memory and cost per event are
 * constant. The lock is held for a few increments only, never across I/O. Thread-safe; never throws.
 */
public final class Throughput implements ErrandListener {
  public static final int MINUTES = 60;

  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final long[] minute = new long[MINUTES];
  private final long[][] counts = new long[MINUTES][4];

  public Throughput(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    Arrays.fill(minute, -1);
  }

  /** One minute's counts; {@code start} is the minute's first instant. */
  public record Bucket(Instant start, long enqueued, long succeeded, long retried, long dead) {}

  private void add(int kind) {
    long now = clock.millis() / 60_000;
    int i = (int) (now % MINUTES);
    lock.lock();
    try {
      if (minute[i] != now) {
        minute[i] = now;
        Arrays.fill(counts[i], 0);
      }
      counts[i][kind]++;
    } finally {
      lock.unlock();
    }
  }

  /** The last {@link #MINUTES} minutes, oldest first, the current minute last; empty minutes are zeros. */
  public List<Bucket> lastHour() {
    long now = clock.millis() / 60_000;
    List<Bucket> out = new ArrayList<>(MINUTES);
    lock.lock();
    try {
      for (long m = now - MINUTES + 1; m <= now; m++) {
        int i = (int) (m % MINUTES);
        long[] c = minute[i] == m ? counts[i] : new long[4];
        out.add(new Bucket(Instant.ofEpochMilli(m * 60_000), c[0], c[1], c[2], c[3]));
      }
    } finally {
      lock.unlock();
    }
    return out;
  }

  @Override
  public void enqueued(Task task) {
    add(0);
  }

  @Override
  public void succeeded(Task task, Duration runTime) {
    add(1);
  }

  @Override
  public void retrying(Task task, String error, Duration retryIn) {
    add(2);
  }

  @Override
  public void dead(Task task, String error) {
    add(3);
  }
}
