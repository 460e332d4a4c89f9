package dev.errand.core.loop;

import java.time.Duration;

/**
 * A background service of an Errand: the completer, the heartbeat, each queue's claim loop, the
 * timeout watch, the scheduler, the pruner (and the lease sweeper). Each starts once, stops by a
 * deadline, and follows one failure policy, {@link FailureStreak}: nothing it meets stops it; most are a
 * {@link LoopService}. Public for Errand's own modules, as {@link LoopService} is; internal all the
 * same: not public API.
 */
public interface Service {
  void start();

  /**
   * Stops the service, letting it finish what it must (the completer writes what it holds) until
   * {@code deadline} on the {@link System#nanoTime} scale, and interrupting it then. Returns once it
   * has stopped; a second call returns at once.
   */
  void stop(long deadlineNanos) throws InterruptedException;

  /** A deadline {@code after} from now, for {@link #stop}. */
  static long deadline(Duration after) {
    return System.nanoTime() + after.toNanos();
  }
}
