package dev.errand.bench;

import java.util.concurrent.locks.LockSupport;

/**
 * The machine's own hand-off time: how long a parked virtual thread takes to run again after another
 * thread unparks it, with the machine otherwise idle between hand-offs. Every path from an enqueue to a
 * handler's start passes several such hand-offs (a wake-up to the claimer, a socket's reply to the thread
 * waiting on it, a claimed task to its handler's thread), so their tail bounds what a latency run's tail
 * can be on this machine, whatever the task system does: on a virtual machine whose idle cores halt, a
 * hand-off that finds its core halted waits for the hypervisor to run that core again.
 *
 * <p>{@link #measure} paces the hand-offs (a pause between each, as the latency scenario's tasks come at
 * their rate), so each finds the waiting thread parked and its carrier idle, as a task arriving at an idle
 * worker does. The waking thread spins until the woken one has run, so it adds no wake-up of its own.
 */
final class Handoffs {
  /** Percentiles of one probe's hand-off times, in milliseconds. */
  record Times(double p50Ms, double p99Ms, double maxMs) {}

  private volatile int posted; // hand-offs sent so far
  private volatile int woken; // hand-offs the waiter has run after
  private volatile long wokenAt;

  private Handoffs() {}

  /** Times {@code n} hand-offs, {@code gapNanos} apart, from this thread to a parked virtual thread. */
  static Times measure(int n, long gapNanos) throws InterruptedException {
    return new Handoffs().run(n, gapNanos);
  }

  private Times run(int n, long gapNanos) throws InterruptedException {
    double[] times = new double[n];
    Thread waiter = Thread.ofVirtual().name("errand-bench-handoff").start(() -> {
      for (int i = 1; i <= n; i++) {
        while (posted < i) {
          LockSupport.park();
        }
        wokenAt = System.nanoTime();
        woken = i;
      }
    });
    for (int i = 1; i <= n; i++) {
      LockSupport.parkNanos(gapNanos);
      long postedAt = System.nanoTime();
      posted = i;
      LockSupport.unpark(waiter);
      while (woken < i) {
        Thread.onSpinWait();
      }
      times[i - 1] = Stats.ms(wokenAt - postedAt);
    }
    waiter.join();
    return new Times(Stats.percentile(times, 50), Stats.percentile(times, 99), Stats.percentile(times, 100));
  }
}
