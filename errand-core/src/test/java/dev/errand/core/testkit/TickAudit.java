package dev.errand.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The exactly-once check of a schedule's ticks, read from what the store holds: every task of the
 * schedule carries its tick's key, no tick has two tasks, and no tick of a window is missing. Shared by
 * the schedule tests of every store.
 */
public final class TickAudit {
  private TickAudit() {}

  /** Every task in the store, by paging. */
  public static List<Task> allTasks(TaskStore store) {
    List<Task> out = new ArrayList<>();
    TaskId before = null;
    do {
      TaskPage page = store.list(new TaskQuery(null, null, null, TaskQuery.MAX_LIMIT, before));
      out.addAll(page.tasks());
      before = page.next();
    } while (before != null);
    return out;
  }

  /**
   * Asserts, of the tasks of the one-second schedule {@code schedule} among {@code tasks}: each has a
   * whole-second tick as runAt and the key {@code schedule:<name>:<tick>}, no tick has two, and every
   * second from {@code first} to {@code last} (whole seconds, both included) has one. Returns every
   * tick found, in order.
   */
  public static List<Instant> assertEverySecondOnce(List<Task> tasks, String schedule, Instant first, Instant last) {
    Map<Instant, List<Task>> byTick = new TreeMap<>();
    for (Task t : tasks) {
      if (t.idempotencyKey() != null && t.idempotencyKey().startsWith("schedule:" + schedule + ":")) {
        byTick.computeIfAbsent(t.runAt(), k -> new ArrayList<>()).add(t);
      }
    }
    byTick.forEach((tick, ticked) -> {
      assertThat(ticked).as("tasks for tick %s", tick).hasSize(1);
      assertThat(ticked.get(0).idempotencyKey()).isEqualTo("schedule:" + schedule + ":" + tick);
      assertThat(tick.getNano()).as("tick %s is a whole second", tick).isZero();
    });
    List<Instant> missing = new ArrayList<>();
    for (Instant tick = first; !tick.isAfter(last); tick = tick.plusSeconds(1)) {
      if (!byTick.containsKey(tick)) {
        missing.add(tick);
      }
    }
    assertThat(missing).as("ticks from %s to %s without a task (of %d found)", first, last, byTick.size()).isEmpty();
    return List.copyOf(byTick.keySet());
  }
}
