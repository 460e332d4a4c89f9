package dev.errand.core.spi;

import dev.errand.core.TaskId;
import dev.errand.core.TaskState;

/**
 * A page of tasks, newest first (id descending). Null filters match everything; {@code before} is the
 * cursor: only ids strictly less than it.
 */
public record TaskQuery(String queue, TaskState state, String type, int limit, TaskId before) {
  public static final int MAX_LIMIT = 1000;

  public TaskQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be in 1.." + MAX_LIMIT + ": " + limit);
    }
  }

  public static TaskQuery all(int limit) {
    return new TaskQuery(null, null, null, limit, null);
  }
}
