package dev.errand.core;

/** No task has this id (it never existed, or it was pruned or purged). */
public class TaskNotFoundException extends ErrandException {
  private final TaskId id;

  public TaskNotFoundException(TaskId id) {
    super("no task with id " + id);
    this.id = id;
  }

  public TaskId id() {
    return id;
  }
}
