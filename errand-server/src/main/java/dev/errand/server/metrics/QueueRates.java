package dev.errand.server.metrics;

import dev.errand.core.ErrandListener;
import dev.errand.core.Task;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Each queue's finished attempts over the last {@link #MINUTES} minutes, succeeded and failed (a retry or
 * a death), for the dashboard's queue table: its throughput and failure rate now, beside the counts the
 * store keeps. Thread-safe; never throws.
 */
public final class QueueRates implements ErrandListener {
  public static final int MINUTES = 5;
  private static final int SUCCEEDED = 0;
  private static final int FAILED = 1;

  private final MinuteCounts counts;

  public QueueRates(Clock clock) {
    this.counts = new MinuteCounts(clock, MINUTES, 2);
  }

  /** One queue's last minutes. */
  public record Rate(long succeeded, long failed) {
    /** Failed over finished, 0 when nothing finished. */
    public double failureRate() {
      long done = succeeded + failed;
      return done == 0 ? 0 : (double) failed / done;
    }
  }

  /** Every queue with an attempt finished in the last {@link #MINUTES} minutes, by name. */
  public Map<String, Rate> lastMinutes() {
    Map<String, Rate> out = new TreeMap<>();
    for (String queue : counts.keys()) {
      long[] s = counts.sums(queue, MINUTES);
      out.put(queue, new Rate(s[SUCCEEDED], s[FAILED]));
    }
    return out;
  }

  @Override
  public void succeeded(Task task, Duration runTime) {
    counts.add(task.queue(), SUCCEEDED);
  }

  @Override
  public void retrying(Task task, String error, Duration retryIn) {
    counts.add(task.queue(), FAILED);
  }

  @Override
  public void dead(Task task, String error) {
    counts.add(task.queue(), FAILED);
  }
}
