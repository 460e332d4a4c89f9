package dev.errand.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Samples another process's resident set every {@code every} on a thread of its own, from start to
 * {@link #stop()}, so a run can report the median and the peak over any window of it. A process that
 * ended stops the sampling quietly: the samples up to then remain. Only the sampling thread touches the
 * list until {@link #stop()} has joined it.
 */
final class RssSampler {
  /** One reading: when ({@link System#nanoTime()}) and how much was resident. */
  record Sample(long nanos, long rssKiB) {}

  private final long pid;
  private final long everyNanos;
  private final List<Sample> samples = new ArrayList<>();
  private final Thread thread;

  private RssSampler(long pid, Duration every) {
    this.pid = pid;
    this.everyNanos = every.toNanos();
    this.thread = Thread.ofPlatform().daemon().name("bench-rss-" + pid).unstarted(this::run);
  }

  static RssSampler start(long pid, Duration every) {
    RssSampler sampler = new RssSampler(pid, every);
    sampler.thread.start();
    return sampler;
  }

  private void run() {
    long next = System.nanoTime();
    while (!Thread.currentThread().isInterrupted()) {
      ProcStatus status;
      try {
        status = ProcStatus.read(pid);
      } catch (RuntimeException gone) {
        return;
      }
      samples.add(new Sample(System.nanoTime(), status.rssKiB()));
      next += everyNanos;
      LockSupport.parkNanos(next - System.nanoTime());
    }
  }

  /** Stops sampling and returns every sample, oldest first. */
  List<Sample> stop() throws InterruptedException {
    thread.interrupt();
    thread.join(); // publishes the sampler thread's list to this one
    return List.copyOf(samples);
  }

  /** The resident sizes of the samples taken from {@code fromNanos} to {@code toNanos}, in MiB. */
  static double[] mibBetween(List<Sample> samples, long fromNanos, long toNanos) {
    return samples.stream().filter(s -> s.nanos() >= fromNanos && s.nanos() <= toNanos)
        .mapToDouble(s -> ProcStatus.mib(s.rssKiB())).toArray();
  }
}
