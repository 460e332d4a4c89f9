package dev.errand.bench;

import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;

/**
 * What the store itself says a queue holds: the other half of every exactly-once check. The queue
 * counts come from {@code queues()}; a count the store bounded there (finished tasks past its bound) is
 * counted instead by listing the queue's tasks in that state, page by page.
 */
final class StoreCounts {
  private StoreCounts() {}

  static long count(TaskStore store, String queue, TaskState state) {
    for (QueueInfo q : store.queues()) {
      if (q.queue().equals(queue)) {
        return q.isExact(state) ? q.count(state) : listed(store, queue, state);
      }
    }
    return 0;
  }

  static long total(TaskStore store, String queue) {
    long total = 0;
    for (TaskState state : TaskState.values()) {
      total += count(store, queue, state);
    }
    return total;
  }

  /** Every task of {@code queue} in {@code state}, counted through the list's pages (short ones too). */
  private static long listed(TaskStore store, String queue, TaskState state) {
    long n = 0;
    TaskQuery query = new TaskQuery(queue, state, null, TaskQuery.MAX_LIMIT, null);
    while (true) {
      TaskPage page = store.list(query);
      n += page.tasks().size();
      TaskId next = page.next();
      if (next == null) {
        return n;
      }
      query = query.from(next);
    }
  }
}
