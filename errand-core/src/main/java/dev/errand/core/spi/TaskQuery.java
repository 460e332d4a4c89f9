package dev.errand.core.spi;

import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import java.time.Instant;

/**
 * A page of tasks, newest first (id descending). Null filters match everything; {@code before} is the
 * cursor: only ids strictly less than it. {@code createdAfter} and {@code createdBefore} bound the
 * tasks' createdAt (the store's clock at enqueue) to the half-open window {@code [createdAfter,
 * createdBefore)}, so windows that meet neither overlap nor leave a gap.
 */
public record TaskQuery(String queue, TaskState state, String type, int limit, TaskId before, Instant createdAfter,
    Instant createdBefore) {
  public static final int MAX_LIMIT = 1000;
  /**
   * Above every task id in byte order, since ids are ASCII letters, digits and {@code _.:-}: what a first
   * page reads below. Stores compare ids in byte order (the "C" collation, SQLite's BINARY).
   */
  public static final String ABOVE_EVERY_ID = "~";

  public TaskQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be in 1.." + MAX_LIMIT + ": " + limit);
    }
    if (createdAfter != null && createdBefore != null && !createdAfter.isBefore(createdBefore)) {
      throw new IllegalArgumentException("createdAfter must be before createdBefore: " + createdAfter + " is not before "
          + createdBefore);
    }
  }

  /** A query with no time window. */
  public TaskQuery(String queue, TaskState state, String type, int limit, TaskId before) {
    this(queue, state, type, limit, before, null, null);
  }

  public static TaskQuery all(int limit) {
    return new TaskQuery(null, null, null, limit, null);
  }

  /** True if {@code task} passes every filter of this query; the cursor is not a filter. */
  public boolean matches(Task task) {
    return (queue == null || queue.equals(task.queue()))
        && (state == null || state == task.state())
        && (type == null || type.equals(task.type()))
        && (createdAfter == null || !task.createdAt().isBefore(createdAfter))
        && (createdBefore == null || task.createdAt().isBefore(createdBefore));
  }

  /** The id this page's tasks are strictly below: the cursor, or {@link #ABOVE_EVERY_ID} for a first page. */
  public String idBound() {
    return before == null ? ABOVE_EVERY_ID : before.value();
  }

  /** This query from {@code cursor} on: the next page. */
  public TaskQuery from(TaskId cursor) {
    return new TaskQuery(queue, state, type, limit, cursor, createdAfter, createdBefore);
  }

  /** This query limited to tasks created in {@code [after, before)}; either end may be null. */
  public TaskQuery createdBetween(Instant after, Instant before) {
    return new TaskQuery(queue, state, type, limit, this.before, after, before);
  }
}
