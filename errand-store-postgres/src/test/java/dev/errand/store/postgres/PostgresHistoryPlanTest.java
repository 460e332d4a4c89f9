package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Task;
import dev.errand.core.TaskState;
import dev.errand.core.spi.DueQuery;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.store.postgres.internal.StoreSql;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An operator's reads stay index-driven on a store with a long history: one million tasks (loaded with
 * generate_series), 97% SUCCEEDED, 1% READY, 1% delayed and 1% DEAD, in a big, a small and a rare queue.
 * The queue counts, task pages, searches, the error history and pruning are explained as custom and as
 * generic plans, and none may scan the task table sequentially; the counts are checked against the load.
 */
class PostgresHistoryPlanTest {
  private static final int TASKS = 1_000_000;
  private static TestSchema db;
  private static PostgresStore store;
  private static StoreSql sql;

  @BeforeAll
  static void loadHistory() throws Exception {
    db = TestSchema.create("history");
    store = db.newStore();
    sql = StoreSql.forSchema(db.name());
    long start = System.nanoTime();
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      s.execute("SET synchronous_commit = off");
      s.execute("INSERT INTO " + db.name() + ".tasks (id, queue, type, payload, priority, state, attempt, max_attempts,"
          + " backoff_base_nanos, backoff_cap_nanos, timeout_nanos, run_at, created_at, finished_at)"
          + " SELECT 'h-' || lpad(g::text, 8, '0'),"
          + "   CASE WHEN g % 1000 = 7 THEN 'rare' WHEN g % 50 = 3 THEN 'side' ELSE 'bulk' END,"
          + "   CASE WHEN g % 1000 = 7 THEN 'rare_report' ELSE 'noop' END, '\\x7b7d'::bytea, g % 10,"
          + "   CASE g % 100 WHEN 1 THEN 'READY' WHEN 2 THEN 'SCHEDULED' WHEN 99 THEN 'DEAD' ELSE 'SUCCEEDED' END,"
          + "   1, 25, 1000000000, 3600000000000, 60000000000,"
          + "   now() - interval '1 day' + g * interval '1 ms' + CASE WHEN g % 100 = 2 THEN interval '2 days' ELSE interval '0' END,"
          + "   now() - interval '1 day' + g * interval '1 ms',"
          + "   CASE WHEN g % 100 IN (1, 2) THEN NULL ELSE now() - interval '1 day' + g * interval '1 ms' END"
          + " FROM generate_series(1, " + TASKS + ") g");
      // What autovacuum does in service: statistics, and the visibility map index-only scans rely on.
      s.execute("VACUUM ANALYZE " + db.name() + ".tasks");
    }
    System.out.printf("loaded the history in %d ms%n", Duration.ofNanos(System.nanoTime() - start).toMillis());
  }

  @AfterAll
  static void dropSchema() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void queueCountsReadEachStatesIndexAndBoundTheFinished() throws Exception {
    String plan = Plans.explain(sql, "queue_infos", "bigint, bigint", "10000, 10000");
    assertThat(plan).contains("tasks_ready").contains("tasks_waiting").contains("tasks_leased").contains("tasks_dead")
        .contains("tasks_finished");

    Map<String, QueueInfo> queues = timed("queues()", store::queues).stream()
        .collect(Collectors.toMap(QueueInfo::queue, q -> q));
    QueueInfo bulk = queues.get("bulk");
    assertThat(bulk.count(TaskState.SUCCEEDED)).isEqualTo(PostgresStore.FINISHED_COUNT_BOUND);
    assertThat(bulk.isExact(TaskState.SUCCEEDED)).isFalse();
    assertThat(bulk.count(TaskState.READY)).isEqualTo(count("queue = 'bulk' AND state = 'READY'"));
    assertThat(bulk.count(TaskState.SCHEDULED)).isEqualTo(count("queue = 'bulk' AND state = 'SCHEDULED'"));
    assertThat(bulk.count(TaskState.DEAD)).isEqualTo(count("queue = 'bulk' AND state = 'DEAD'"));
    assertThat(bulk.oldestReadyAt()).isNotNull();
    QueueInfo rare = queues.get("rare");
    assertThat(rare.isExact(TaskState.SUCCEEDED)).isTrue();
    assertThat(rare.count(TaskState.SUCCEEDED)).isEqualTo(count("queue = 'rare' AND state = 'SUCCEEDED'"));
  }

  @Test
  void pagesAndSearchesReadABoundedStretchOfAnIndex() throws Exception {
    String filters = "NULL, NULL, 'DEAD', 'DEAD', NULL, NULL, NULL, NULL, NULL, NULL";
    Plans.explain(sql, "list_tasks", "text, integer, text, text, text, text, text, text, timestamptz, timestamptz,"
        + " timestamptz, timestamptz, integer", "'~', 10000, " + filters + ", 51");
    Plans.explain(sql, "list_tasks", "text, integer, text, text, text, text, text, text, timestamptz, timestamptz,"
        + " timestamptz, timestamptz, integer", "'h-00500000', 10000, 'rare', 'rare', NULL, NULL, NULL, NULL,"
        + " now() - interval '1 hour', now() - interval '1 hour', NULL, NULL, 51");
    assertThat(Plans.explain(sql, "list_scan_end", "text, integer", "'~', 10000")).contains("tasks_pkey");
    assertThat(Plans.explain(sql, "list_candidates_ready", "integer", "1001")).contains("tasks_ready");
    assertThat(Plans.explain(sql, "list_candidates_waiting", "text, integer", "'SCHEDULED', 1001"))
        .contains("tasks_waiting");
    assertThat(Plans.explain(sql, "list_candidates_running", "integer", "1001")).contains("tasks_leased");
    assertThat(Plans.explain(sql, "list_candidates_dead", "integer", "1001")).contains("tasks_dead");
    assertThat(Plans.explain(sql, "get_tasks", "text[]", "ARRAY['h-00000099', 'h-00000199']")).contains("tasks_pkey");
    assertThat(Plans.explain(sql, "task_errors", "text", "'h-00000099'")).contains("task_errors_pkey");

    TaskPage dead = timed("first page of DEAD", () -> store.list(new TaskQuery(null, TaskState.DEAD, null, 50, null)));
    assertThat(dead.tasks()).hasSize(50).allMatch(t -> t.state() == TaskState.DEAD);
    TaskPage rare = timed("a page of the rare queue", () -> store.list(new TaskQuery("rare", null, null, 50, null)));
    assertThat(rare.tasks()).hasSizeLessThan(50).allMatch(t -> t.queue().equals("rare"));
    assertThat(rare.next()).as("a short page of a bounded read goes on").isNotNull();
    TaskPage first = timed("first page", () -> store.list(TaskQuery.all(50)));
    assertThat(first.tasks()).extracting(Task::id).first().hasToString("h-01000000");
  }

  @Test
  void dueTasksReadTheFrontOfEachQueuesWaitingIndex() throws Exception {
    assertThat(Plans.explain(sql, "list_due", "text, text, integer", "NULL, NULL, 50")).contains("tasks_waiting");
    Plans.explain(sql, "list_due", "text, text, integer", "'side', 'noop', 1000");

    List<Task> due = timed("50 tasks due soonest", () -> store.listDue(new DueQuery(null, null, 50))).tasks();
    assertThat(due).hasSize(50).isSortedAccordingTo(DueQuery.ORDER)
        .allSatisfy(t -> assertThat(t.state()).isEqualTo(TaskState.SCHEDULED));
    assertThat(due.getFirst().runAt()).isEqualTo(store.get(due.getFirst().id()).orElseThrow().runAt());
  }

  @Test
  void pruneAndPurgeReadRangesOfTheirIndexes() throws Exception {
    Plans.explain(sql, "prune_queues", "", "");
    assertThat(Plans.explain(sql, "prune_finished", "text, text, timestamptz, integer",
        "'bulk', 'SUCCEEDED', now() - interval '23 hours', 1000")).contains("tasks_finished");
    assertThat(Plans.explain(sql, "purge_dead", "text, text, text, text, text, text, integer",
        "NULL, NULL, 'rare', 'rare', NULL, NULL, 1000")).contains("tasks_dead");
    assertThat(Plans.explain(sql, "complete_tasks", "text[], text[], text[], bytea[], text[], bigint[], boolean, boolean",
        "ARRAY['h-00000001', 'h-00000002']::text[], ARRAY['t1', 't2']::text[], ARRAY['retry', 'dead']::text[],"
            + " ARRAY[NULL, NULL]::bytea[], ARRAY['e', 'f']::text[], ARRAY[1000, 0]::bigint[], true, true")).contains("tasks_pkey");
  }

  private static long count(String where) throws Exception {
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + db.name() + ".tasks WHERE " + where)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Runs {@code read} once to warm up and five times more, and prints the median time. */
  private static <T> T timed(String what, Supplier<T> read) {
    read.get();
    long[] micros = new long[5];
    T result = null;
    for (int i = 0; i < micros.length; i++) {
      long start = System.nanoTime();
      result = read.get();
      micros[i] = (System.nanoTime() - start) / 1000;
    }
    java.util.Arrays.sort(micros);
    System.out.printf("%s on %,d tasks: median %,d µs%n", what, TASKS, micros[micros.length / 2]);
    return result;
  }
}
