package dev.errand.core.internal;

import dev.errand.core.Task;
import dev.errand.core.TaskState;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Acting on every task a filter matches, one store call per task: walks the matching tasks page by page
 * (newest first, through the store's state indexes, one state at a time) and applies an action to each,
 * counting those it changed. Not atomic: a task that changes state between the read and the action is
 * left alone by the action (each action is fenced by the task's state in the store) and not counted,
 * and a task enqueued meanwhile may or may not be matched. A dry run counts what would be acted on now.
 * Thread-safe. Internal: not public API.
 */
public final class BulkActions {
  /** The states a cancel applies to. */
  public static final Set<TaskState> CANCELLABLE = Set.of(TaskState.WAITING, TaskState.SCHEDULED, TaskState.READY,
      TaskState.RUNNING, TaskState.RETRYING);
  /** The states a retry-now applies to: dead tasks are replayed, waiting ones run now. */
  public static final Set<TaskState> RETRYABLE = Set.of(TaskState.DEAD, TaskState.SCHEDULED, TaskState.RETRYING);

  private final TaskStore store;

  public BulkActions(TaskStore store) {
    this.store = store;
  }

  /**
   * Applies {@code action} (true if it changed the task) to every task matching {@code filter} whose state
   * is one of {@code states} (the filter's own state, if it names one, must be among them); returns how
   * many it changed, or with {@code dryRun} how many match now, changing nothing.
   *
   * @throws IllegalArgumentException if the filter names a state outside {@code states}
   */
  public int apply(TaskQuery filter, Set<TaskState> states, boolean dryRun, Predicate<Task> action) {
    if (filter.state() != null && !states.contains(filter.state())) {
      throw new IllegalArgumentException("state must be one of " + states.stream().sorted().toList() + ": "
          + filter.state());
    }
    List<TaskState> walk = filter.state() != null ? List.of(filter.state()) : states.stream().sorted().toList();
    int count = 0;
    for (TaskState state : walk) {
      TaskQuery query = new TaskQuery(filter.queue(), state, filter.type(), TaskQuery.MAX_LIMIT, null,
          filter.createdAfter(), filter.createdBefore());
      while (query != null) {
        TaskPage page = store.list(query);
        for (Task t : page.tasks()) {
          if (dryRun || action.test(t)) {
            count++;
          }
        }
        query = page.next() == null ? null : query.from(page.next());
      }
    }
    return count;
  }
}
