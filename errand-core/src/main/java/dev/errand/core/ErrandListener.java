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

  /** The worker lost the lease (it expired, or the task was cancelled); its outcome was discarded. */
  default void leaseLost(Task task) {}

  default void cancelled(Task task) {}
}
