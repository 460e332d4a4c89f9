package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Task;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.LeaseRef;
import dev.errand.store.postgres.internal.StoreSql;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hot-path statements stay index-driven with a large backlog: one million READY and one million
 * delayed tasks (loaded with generate_series), plus running, finished and dead ones. Each statement is
 * explained both as a custom plan (with its parameter values) and as a generic plan (what a prepared
 * statement may switch to after a few executions), and neither may scan the task table sequentially.
 */
class PostgresBacklogPlanTest {
  private static final int BACKLOG = 1_000_000;
  private static TestSchema db;
  private static String schema;
  private static PostgresStore store;
  private static StoreSql sql;

  @BeforeAll
  static void loadBacklog() throws Exception {
    db = TestSchema.create("backlog");
    schema = db.name();
    store = db.newStore();
    sql = StoreSql.forSchema(schema);
    long start = System.nanoTime();
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      s.execute("SET synchronous_commit = off");
      String columns = " (id, queue, type, payload, priority, state, attempt, max_attempts, backoff_base_nanos,"
          + " backoff_cap_nanos, timeout_nanos, run_at, created_at, lease_token, lease_until, worker_id,"
          + " finished_at) ";
      String constants = " 'test', '\\x7b7d'::bytea, g % 10, ";
      String retry = " 25, 1000000000, 3600000000000, 60000000000, ";
      s.execute("INSERT INTO " + schema + ".tasks" + columns
          + "SELECT 'ready-' || lpad(g::text, 8, '0'), 'bulk'," + constants + "'READY', 0," + retry
          + " now() - interval '1 hour' + g * interval '1 ms', now(), NULL, NULL, NULL, NULL"
          + " FROM generate_series(1, " + BACKLOG + ") g");
      s.execute("INSERT INTO " + schema + ".tasks" + columns
          + "SELECT 'later-' || lpad(g::text, 8, '0'), 'bulk'," + constants + "'SCHEDULED', 0," + retry
          + " now() + interval '1 day' + g * interval '1 ms', now(), NULL, NULL, NULL, NULL"
          + " FROM generate_series(1, " + BACKLOG + ") g");
      s.execute("INSERT INTO " + schema + ".tasks" + columns
          + "SELECT 'run-' || lpad(g::text, 8, '0'), 'bulk'," + constants + "'RUNNING', 1," + retry
          + " now() - interval '1 hour', now(), gen_random_uuid()::text, now() + interval '1 hour', 'w', NULL"
          + " FROM generate_series(1, 10000) g");
      s.execute("INSERT INTO " + schema + ".tasks" + columns
          + "SELECT 'done-' || lpad(g::text, 8, '0'), 'bulk'," + constants
          + " CASE WHEN g % 100 = 0 THEN 'DEAD' ELSE 'SUCCEEDED' END, 1," + retry
          + " now() - interval '2 days', now(), NULL, NULL, NULL, now() - interval '1 day' + g * interval '1 ms'"
          + " FROM generate_series(1, 100000) g");
      s.execute("ANALYZE " + schema + ".tasks");
    }
    System.out.printf("loaded the backlog in %d ms%n", Duration.ofNanos(System.nanoTime() - start).toMillis());
  }

  @AfterAll
  static void dropSchema() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void claimUsesThePartialIndexes() throws Exception {
    for (int limit : new int[] {10, 1000}) {
      String plan = Plans.explainText("claim", sql.claim(limit),
          "text, text, text, integer, text, integer, integer, bigint, bigint, text",
          "'bulk', 'bulk', 'bulk', " + limit + ", 'bulk', " + Math.max(limit, 100) + ", " + limit
              + ", 30000000, 1000000, 'w'");
      assertThat(plan).as("limit " + limit).contains("tasks_ready").contains("tasks_waiting")
          .doesNotContain("tasks_leased").doesNotContain("Hash Join");
    }
  }

  @Test
  void completionAndExtendLookUpByPrimaryKey() throws Exception {
    String ids = "ARRAY['ready-00000001', 'ready-00000002']::text[]";
    for (String returnTasks : List.of("false", "true")) {
      String plan = explain("complete_tasks", "text[], text[], text[], bytea[], text[], bigint[], boolean, boolean",
          ids + ", ARRAY['t1', 't2']::text[], ARRAY['succeeded', 'retry']::text[], ARRAY[NULL, NULL]::bytea[],"
              + " ARRAY[NULL, 'e']::text[], ARRAY[0, 1000]::bigint[], true, " + returnTasks);
      assertThat(plan).as("returning tasks: " + returnTasks).contains("tasks_pkey");
    }
    String plan;
    plan = explain("extend_leases", "bigint, bigint, text[], text[], bytea[]",
        "30000000, 1000000, " + ids + ", ARRAY['t1', 't2']::text[], ARRAY[NULL, NULL]::bytea[]");
    assertThat(plan).contains("tasks_pkey");
  }

  @Test
  void leaseSweepReadsOnlyTheRunningTasks() throws Exception {
    assertThat(explain("sweep_expired_leases", "integer", "500")).contains("tasks_leased");
  }

  /**
   * The insert, plain and offered to an idle worker (InsertRequest#claimFor): its look for READY and due
   * tasks ahead reads the first entry of each index for the queue, never a bitmap of the queue's million.
   */
  @Test
  void insertAndConflictReadBackUseIndexes() throws Exception {
    String types = "text[], text[], text[], bytea[], integer[], text[], bigint[], integer[], bigint[], bigint[],"
        + " bigint[], text[], integer[], text[], text[]";
    String task = "ARRAY['new-1']::text[], ARRAY['bulk']::text[], ARRAY['test']::text[], ARRAY['\\x7b7d'::bytea],"
        + " ARRAY[0], ARRAY[NULL]::text[], ARRAY[0]::bigint[], ARRAY[25], ARRAY[1000000000]::bigint[],"
        + " ARRAY[3600000000000]::bigint[], ARRAY[60000000000]::bigint[], ARRAY['key-1']::text[], ARRAY[0],"
        + " ARRAY['handler']::text[], ARRAY[NULL]::text[]";
    assertThat(Plans.explainText("insert, leasing nothing", sql.insert(false), types, task))
        .as("an insert that leases nothing looks at no index for tasks ahead")
        .doesNotContain("tasks_ready").doesNotContain("tasks_waiting");
    assertThat(Plans.explainText("insert, offered to an idle worker", sql.insert(true),
        types + ", text, text, bigint, bigint", task + ", 'w', 'bulk', 30000000, 1000000"))
        .contains("tasks_ready").contains("tasks_waiting").doesNotContain("Bitmap");
    explain("select_conflicting", "text[], text[], text[]",
        "ARRAY['ready-00000001']::text[], ARRAY['bulk']::text[], ARRAY['key-1']::text[]");
  }

  /**
   * Join decrements never scan the table: they find their tasks by key, or, while few tasks are WAITING
   * (as in this backlog, which holds none), through the WAITING index, which is then cheaper.
   */
  @Test
  void joinDecrementsReadAnIndex() throws Exception {
    assertThat(explain("decrement_joins", "text[]", "ARRAY['ready-00000001', 'ready-00000002']::text[]"))
        .containsAnyOf("tasks_pkey", "tasks_joining");
  }

  @Test
  void waitBoundPruneAndDeadQueueUseIndexes() throws Exception {
    assertThat(explain("next_due_micros", "text, text, text, text", "'bulk', 'bulk', 'bulk', 'bulk'"))
        .contains("tasks_waiting").doesNotContain("tasks_leased");
    assertThat(explain("prune_finished", "text, text, timestamptz, integer", "'bulk', 'SUCCEEDED', now(), 1000"))
        .contains("tasks_finished");
    explain("cancel_task", "text", "'ready-00000003'");
    explain("purge_dead", "text, text, text, text, text, text, integer",
        "NULL, NULL, 'bulk', 'bulk', NULL, NULL, 1000");
  }

  @Test
  void claimsStayCheapOnTheBacklog() {
    List<Long> micros = new ArrayList<>();
    for (int i = 0; i < 21; i++) {
      long start = System.nanoTime();
      List<Task> tasks = store.claim(new ClaimRequest("bulk", 10, Duration.ofMinutes(1), "w")).tasks();
      List<Completion> done = new ArrayList<>();
      List<LeaseRef> leases = new ArrayList<>();
      for (Task t : tasks) {
        done.add(new Completion(t.id(), t.lease().token(), new Completion.Succeeded(null)));
        leases.add(new LeaseRef(t.id(), t.lease().token()));
      }
      store.extendMany(new ExtendRequest(leases, Duration.ofMinutes(1)));
      store.completeMany(new CompleteRequest(done));
      long took = Duration.ofNanos(System.nanoTime() - start).toNanos() / 1000;
      assertThat(tasks).hasSize(10);
      if (i == 0) {
        System.out.println("first claim+extend+complete (cold caches), microseconds: " + took);
      } else {
        micros.add(took);
      }
    }
    List<Long> sorted = micros.stream().sorted().toList();
    System.out.println("claim+extend+complete of 10 on the backlog, microseconds: " + micros
        + " median " + sorted.get(sorted.size() / 2));
    // Generous: a sequential scan of two million rows takes far longer than this even on an idle machine.
    assertThat(sorted.get(sorted.size() / 2)).isLessThan(150_000);
  }

  private static String explain(String statement, String types, String args) throws Exception {
    return Plans.explain(sql, statement, types, args);
  }
}
