package dev.errand.core;

/**
 * Where a task is in its life. {@code WAITING} waits for its join counter (the completions it follows)
 * to reach zero, and is never claimable before; {@code SCHEDULED} and {@code RETRYING} wait for their
 * {@code runAt}; {@code READY} is claimable now; {@code RUNNING} holds a lease; the last three are final.
 */
public enum TaskState {
  WAITING,
  SCHEDULED,
  READY,
  RUNNING,
  RETRYING,
  SUCCEEDED,
  DEAD,
  CANCELLED;

  /** True for states a task never leaves by itself (only replay moves a DEAD task). */
  public boolean isFinal() {
    return this == SUCCEEDED || this == DEAD || this == CANCELLED;
  }

  /** True for states that wait to be claimed, now or at their {@code runAt}. */
  public boolean isPending() {
    return this == SCHEDULED || this == READY || this == RETRYING;
  }
}
