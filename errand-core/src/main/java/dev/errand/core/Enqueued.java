package dev.errand.core;

/**
 * The answer to an enqueue: the task as stored, whether this call created it, and, for an idempotent
 * repeat, whether the earlier task was enqueued with a different spec (a conflict: nothing was written).
 */
public record Enqueued(Task task, boolean created, boolean conflict) {
  public TaskId id() {
    return task.id();
  }
}
