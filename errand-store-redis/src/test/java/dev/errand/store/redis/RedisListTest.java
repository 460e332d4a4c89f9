package dev.errand.store.redis;

import static dev.errand.core.testkit.NewTasks.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Catalog pages on Redis read a bounded number of ids (here 6) whatever the filters, merging the
 * queues' indexes when no queue is named, and following their cursors still reaches every match, newest
 * first, exactly once.
 */
class RedisListTest {
  private RedisStore store;

  @BeforeEach
  void open() {
    store = RedisStore.builder().url(RedisServer.shared().url("durability=none")).pageReadLimit(6).build();
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void boundedPagesAcrossQueuesReachEveryMatchInOrder() {
    long seed = System.nanoTime();
    System.out.println("boundedPagesAcrossQueuesReachEveryMatchInOrder seed=" + seed);
    Random random = new Random(seed);
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      tasks.add(task(List.of("a", "b", "c").get(random.nextInt(3))).type(random.nextInt(6) == 0 ? "rare" : "bulk")
          .build());
    }
    List<Task> all = store.insertMany(new InsertRequest(tasks)).outcomes().stream().map(o -> o.task()).toList();

    for (TaskQuery query : List.of(TaskQuery.all(4), new TaskQuery(null, null, "rare", 3, null),
        new TaskQuery("b", null, "rare", 2, null), new TaskQuery(null, TaskState.READY, null, 5, null),
        new TaskQuery(null, TaskState.DEAD, null, 5, null))) {
      List<TaskId> expected = all.stream().filter(query::matches).map(Task::id)
          .sorted(Comparator.reverseOrder()).toList();
      List<Integer> sizes = new ArrayList<>();
      assertThat(allPages(query, sizes)).as("%s, seed %d", query, seed).containsExactlyElementsOf(expected);
      assertThat(sizes).allMatch(n -> n <= query.limit());
    }
    List<Integer> sizes = new ArrayList<>();
    allPages(new TaskQuery(null, null, "rare", 3, null), sizes);
    assertThat(sizes).as("a rare type takes more pages than its matches fill, seed %d", seed)
        .hasSizeGreaterThan((int) all.stream().filter(t -> t.type().equals("rare")).count() / 3 + 1);
  }

  private List<TaskId> allPages(TaskQuery query, List<Integer> sizes) {
    List<TaskId> ids = new ArrayList<>();
    TaskQuery q = query;
    for (int guard = 0; guard < 1000; guard++) {
      TaskPage page = store.list(q);
      sizes.add(page.tasks().size());
      page.tasks().forEach(t -> ids.add(t.id()));
      if (page.next() == null) {
        return ids;
      }
      q = q.from(page.next());
    }
    throw new AssertionError("no end to the pages of " + query);
  }
}
