package dev.errand.core;

/**
 * A complete, fail or extend carried a lease token that is no longer the task's: the lease expired and
 * the task was claimed again, or it was cancelled. Nothing was changed.
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
