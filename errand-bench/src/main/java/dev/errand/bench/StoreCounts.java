package dev.errand.bench;

import dev.errand.core.TaskState;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.TaskStore;

/** What the store itself says a queue holds: the other half of every exactly-once check. */
final class StoreCounts {
  private StoreCounts() {}

  static long count(TaskStore store, String queue, TaskState state) {
    for (QueueInfo q : store.queues()) {
      if (q.queue().equals(queue)) {
        return q.count(state);
      }
    }
    return 0;
  }

  static long total(TaskStore store, String queue) {
    for (QueueInfo q : store.queues()) {
      if (q.queue().equals(queue)) {
        return q.total();
      }
    }
    return 0;
  }
}
