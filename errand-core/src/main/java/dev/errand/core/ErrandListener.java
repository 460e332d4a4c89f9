package dev.errand.core;

import java.time.Duration;

/**
 * Hears what happens to tasks, for metrics and events. Every method has a no-op default so the hot path
 * never asks whether anyone listens. Implementations must be fast, must never throw, and must never call
 * back into Errand: they run on the threads that move tasks.
 */
public interface ErrandListener {
  ErrandListener NONE = new ErrandListener() {};

  /** A task was created by an enqueue (not called for idempotent repeats). */
  default void enqueued(Task task) {}

  /** A worker of this Errand claimed the task; {@code task.attempt()} is the new attempt. */
  default void claimed(Task task) {}

  default void succeeded(Task task, Duration runTime) {}

  /** The attempt failed and the task will run again after {@code retryIn}. */
  default void retrying(Task task, String error, Duration retryIn) {}

  /** The task went to the dead-letter queue. */
  default void dead(Task task, String error) {}

  /** The task went back to waiting without burning its attempt (shutdown or snooze). */
  default void released(Task task) {}

  /**
   * A lease was lost and its attempt's outcome will be discarded: it ran out and this node's lease sweep
   * took it back ({@code task} as the sweep found it, with the lost lease; {@code dead} follows if that
   * was the final attempt), or a worker of this process found its lease fenced by a cancellation. A lease
   * that ran out is reported once, by the node whose sweep took it, whichever worker held it. An attempt
   * that outlived its timeout is reported as {@code retrying} or {@code dead} instead.
   */
  default void leaseLost(Task task) {}

  default void cancelled(Task task) {}
}
