package dev.errand.core.spi;

import dev.errand.core.Task;
import dev.errand.core.TaskState;
import java.util.Comparator;

/**
 * Which tasks are due later: SCHEDULED and RETRYING tasks, soonest runAt first (ties by id), at most
 * {@code limit}. When more tasks than fit share the last runAt, which of them are returned is the
 * store's choice (an index walk need not sort ties). Null filters match everything. Stores read it
 * through their index of SCHEDULED and RETRYING tasks by queue and runAt, so its cost follows the number
 * of queues and the limit, not the table.
 */
public record DueQuery(String queue, String type, int limit) {
  public static final int MAX_LIMIT = 1000;

  /** The order of a due list: runAt, then id. */
  public static final Comparator<Task> ORDER = Comparator.comparing(Task::runAt).thenComparing(Task::id);

  public DueQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be in 1.." + MAX_LIMIT + ": " + limit);
    }
  }

  /** True if {@code task} is SCHEDULED or RETRYING and passes the filters. */
  public boolean matches(Task task) {
    return (task.state() == TaskState.SCHEDULED || task.state() == TaskState.RETRYING)
        && (queue == null || queue.equals(task.queue()))
        && (type == null || type.equals(task.type()));
  }
}
