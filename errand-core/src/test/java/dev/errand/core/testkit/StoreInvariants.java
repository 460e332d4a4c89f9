package dev.errand.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rules every store must keep at rest, checked after each conformance test: a task holds a lease exactly
 * while it is RUNNING, no two tasks share a lease token, a WAITING task has never run, and the counts {@code queues()} reports equal a
 * tally of every task a full paged {@code list()} returns.
 */
public final class StoreInvariants {
  private StoreInvariants() {}

  /** Every task, read page by page through the list cursor. */
  public static List<Task> listAll(TaskStore store) {
    List<Task> all = new ArrayList<>();
    TaskId cursor = null;
    do {
      TaskPage page = store.list(new TaskQuery(null, null, null, TaskQuery.MAX_LIMIT, cursor));
      all.addAll(page.tasks());
      cursor = page.next();
    } while (cursor != null);
    return all;
  }

  public static void check(TaskStore store) {
    List<Task> all = listAll(store);
    Set<TaskId> ids = new HashSet<>();
    Set<String> tokens = new HashSet<>();
    Map<String, Map<TaskState, Long>> tally = new HashMap<>();
    for (Task task : all) {
      assertThat(ids.add(task.id())).as("list returns %s once", task.id()).isTrue();
      if (task.state() == TaskState.RUNNING) {
        assertThat(task.lease()).as("RUNNING task %s holds a lease", task.id()).isNotNull();
        assertThat(tokens.add(task.lease().token()))
            .as("lease token of %s is held by no other task", task.id()).isTrue();
      } else {
        assertThat(task.lease()).as("%s task %s holds no lease", task.state(), task.id()).isNull();
      }
      if (task.state() == TaskState.WAITING) {
        assertThat(task.attempt()).as("WAITING task %s has never run", task.id()).isZero();
      }
      tally.computeIfAbsent(task.queue(), q -> new EnumMap<>(TaskState.class)).merge(task.state(), 1L, Long::sum);
    }
    Map<String, Map<TaskState, Long>> reported = new HashMap<>();
    for (QueueInfo info : store.queues()) {
      assertThat(reported.put(info.queue(), nonZero(info.counts())))
          .as("queues() lists %s once", info.queue()).isNull();
    }
    for (Map.Entry<String, Map<TaskState, Long>> entry : tally.entrySet()) {
      assertThat(reported.get(entry.getKey())).as("counts of queue %s", entry.getKey()).isEqualTo(entry.getValue());
    }
    reported.forEach((queue, counts) -> {
      if (!tally.containsKey(queue)) {
        assertThat(counts).as("counts of queue %s, which list() shows no task in", queue).isEmpty();
      }
    });
  }

  private static Map<TaskState, Long> nonZero(Map<TaskState, Long> counts) {
    Map<TaskState, Long> result = new EnumMap<>(TaskState.class);
    counts.forEach((state, n) -> {
      if (n != 0) {
        result.put(state, n);
      }
    });
    return result;
  }
}
