package dev.errand.core;

import java.time.Instant;
import java.util.Objects;

/**
 * The failure of one attempt of a task, as its error history keeps it: which attempt, when it ended on
 * the store's clock, the worker that ran it (null if unknown) and the error text (the message, then the
 * stack trace when there is one). Stores keep the last {@link #KEPT_PER_TASK} per task, oldest first,
 * and delete them with the task. {@code heartbeats} are the attempt's heartbeats, null if it had none (or
 * failed before the store counted them); {@code claimedAt} is when the attempt was claimed, null if the
 * store did not keep it (failures recorded before it did).
 */
public record AttemptError(int attempt, Instant at, String workerId, String error, Heartbeats heartbeats,
    Instant claimedAt) {
  /** How many of a task's failed attempts are kept; older ones are dropped as new ones come. */
  public static final int KEPT_PER_TASK = 20;

  public AttemptError {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(error, "error");
  }

  /** The failure of an attempt that had no heartbeats. */
  public AttemptError(int attempt, Instant at, String workerId, String error) {
    this(attempt, at, workerId, error, null, null);
  }

  /** The first line of the error: its message. */
  public String message() {
    int nl = error.indexOf('\n');
    return nl < 0 ? error : error.substring(0, nl);
  }
}
