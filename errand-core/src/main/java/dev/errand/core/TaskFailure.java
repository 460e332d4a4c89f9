package dev.errand.core;

import java.time.Duration;
import java.util.Objects;

/**
 * What a handler throws to steer its task's next step, instead of the default (any other exception is
 * retried with backoff). {@link #permanent} sends the task straight to {@link TaskState#DEAD};
 * {@link #snooze} runs it again after a delay without burning an attempt.
 */
public final class TaskFailure extends RuntimeException {
  /** The step a handler asked for. */
  public enum Kind { PERMANENT, SNOOZE }

  private final Kind kind;
  private final Duration snoozeFor;

  private TaskFailure(Kind kind, String message, Throwable cause, Duration snoozeFor) {
    super(message, cause);
    this.kind = kind;
    this.snoozeFor = snoozeFor;
  }

  /** Fails the task for good: no further attempt, whatever its retry policy says. */
  public static TaskFailure permanent(String reason) {
    return new TaskFailure(Kind.PERMANENT, Objects.requireNonNull(reason, "reason"), null, null);
  }

  public static TaskFailure permanent(String reason, Throwable cause) {
    return new TaskFailure(Kind.PERMANENT, Objects.requireNonNull(reason, "reason"), cause, null);
  }

  /** Runs the task again after {@code delay}; the attempt that snoozed does not count. */
  public static TaskFailure snooze(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("snooze delay must not be negative: " + delay);
    }
    return new TaskFailure(Kind.SNOOZE, "snoozed for " + delay, null, delay);
  }

  public Kind kind() {
    return kind;
  }

  /** The snooze delay, or null for a permanent failure. */
  public Duration snoozeFor() {
    return snoozeFor;
  }
}
