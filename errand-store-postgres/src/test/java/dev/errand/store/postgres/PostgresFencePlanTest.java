package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Task;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.store.postgres.internal.StoreSql;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Completions and lease extensions find each task by its id, also when the planner's statistics were
 * taken while no task was running (a drain after a bulk fill, the usual case once autovacuum has
 * analysed a fresh backlog): then a fence of {@code state = 'RUNNING'} made the running-tasks index look
 * nearly empty, and the planner walked all of it once per input row (O(running x batch) per statement,
 * milliseconds at a hundred of each), as a generic plan and as a custom one.
 */
class PostgresFencePlanTest {
  private static TestSchema db;
  private static StoreSql sql;
  private static String ids;
  private static String tokens;

  @BeforeAll
  static void analysedWhileNothingRuns() throws Exception {
    db = TestSchema.create("fence");
    String schema = db.name();
    sql = StoreSql.forSchema(schema);
    PostgresStore store = db.newStore();
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO " + schema + ".tasks (id, queue, type, payload, priority, state, attempt,"
          + " max_attempts, backoff_base_nanos, backoff_cap_nanos, timeout_nanos, run_at, created_at)"
          + " SELECT 'task-' || lpad(g::text, 8, '0'), 'q', 'test', '\\x7b7d'::bytea, 0, 'READY', 0, 3,"
          + " 1000000000, 60000000000, 30000000000, now() + g * interval '1 microsecond', now()"
          + " FROM generate_series(1, 100000) g");
      s.execute("ANALYZE " + schema + ".tasks");
    }
    // Running now, unknown to the statistics: what a drain completes.
    List<Task> claimed = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      claimed.addAll(store.claim(new ClaimRequest("q", 100, Duration.ofMinutes(1), "w")).tasks());
    }
    assertThat(claimed).hasSize(500);
    List<Task> batch = claimed.subList(0, 100);
    ids = array(batch.stream().map(t -> t.id().value()).toList());
    tokens = array(batch.stream().map(t -> t.lease().token()).toList());
  }

  @AfterAll
  static void dropSchema() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void aCompletionLooksEachTaskUpByItsId() throws Exception {
    String plan = Plans.explain(sql, "complete_tasks",
        "text[], text[], text[], bytea[], text[], bigint[], boolean, boolean",
        ids + ", " + tokens + ", array_fill('succeeded'::text, ARRAY[100]), array_fill(NULL::bytea, ARRAY[100]),"
            + " array_fill(NULL::text, ARRAY[100]), array_fill(0::bigint, ARRAY[100]), true, false");
    assertThat(plan).contains("tasks_pkey").doesNotContain("tasks_leased");
  }

  @Test
  void aBatchOfSuccessesLooksEachTaskUpByItsId() throws Exception {
    String plan = Plans.explain(sql, "complete_successes", "text[], text[], bytea[]",
        ids + ", " + tokens + ", array_fill(NULL::bytea, ARRAY[100])");
    assertThat(plan).contains("tasks_pkey").doesNotContain("tasks_leased");
  }

  @Test
  void anExtensionLooksEachTaskUpByItsId() throws Exception {
    String plan = Plans.explain(sql, "extend_leases", "bigint, bigint, text[], text[], bytea[]",
        "30000000, 1000000, " + ids + ", " + tokens + ", array_fill(NULL::bytea, ARRAY[100])");
    assertThat(plan).contains("tasks_pkey").doesNotContain("tasks_leased");
  }

  private static String array(List<String> values) {
    return values.stream().map(v -> "'" + v + "'").collect(Collectors.joining(", ", "ARRAY[", "]::text[]"));
  }
}
