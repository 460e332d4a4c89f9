package dev.errand.core;

/**
 * A complete, fail or extend carried a lease token that is no longer the task's: the lease ran out and a
 * sweep took it back, or the task was cancelled; or, for an extend, the attempt has outlived the task's
 * timeout. Nothing was changed.
 */
public class StaleLeaseException extends ErrandException {
  private final TaskId id;

  public StaleLeaseException(TaskId id) {
    super("lease on task " + id + " is no longer held");
    this.id = id;
  }

  public TaskId id() {
    return id;
  }
}
