package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.store.postgres.internal.StoreSql;
import dev.errand.store.postgres.internal.TaskStatements;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An idle queue worker's look for the next due task, made before every wait, is planned once per
 * connection. With its queues as an array, PostgreSQL estimated the array's unnest at ten rows in the
 * generic plan and at one in a custom plan, so it planned the statement afresh every time: several times
 * the statement's own execution, once per task when tasks come one at a time.
 */
class PostgresWaitPlanCacheTest {
  private static TestSchema db;
  private static StoreSql sql;

  @BeforeAll
  static void fill() throws Exception {
    db = TestSchema.create("waitplan");
    sql = StoreSql.forSchema(db.name());
    db.newStore(); // migrates
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      // Mostly finished tasks, some due in the future: what a queue in service holds.
      s.execute("INSERT INTO " + db.name() + ".tasks (id, queue, type, payload, priority, state, attempt,"
          + " max_attempts, backoff_base_nanos, backoff_cap_nanos, timeout_nanos, run_at, created_at, finished_at)"
          + " SELECT 'task-' || lpad(g::text, 8, '0'), 'q', 'test', '\\x7b7d'::bytea, 0,"
          + " CASE WHEN g % 50 = 0 THEN 'SCHEDULED' ELSE 'SUCCEEDED' END, 1, 3, 1000000000, 60000000000,"
          + " 30000000000, now() + g * interval '1 second', now(), now()"
          + " FROM generate_series(1, 100000) g");
      s.execute("ANALYZE " + db.name() + ".tasks");
    }
  }

  @AfterAll
  static void dropSchema() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void aQueueWorkersWaitBoundKeepsOneGenericPlan() throws Exception {
    TaskStatements statements = new TaskStatements(sql);
    try (Connection c = TestDatabase.connect()) {
      int waits = 16;
      for (int i = 0; i < waits; i++) {
        Duration due = statements.nextDue(c, Set.of("q"));
        // the first SCHEDULED task is due 50 s from the fill
        assertThat(due).isNotNull().isBetween(Duration.ofSeconds(1), Duration.ofSeconds(50));
      }
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT generic_plans, custom_plans FROM pg_prepared_statements"
              + " WHERE statement LIKE '%interval ''50 milliseconds''%'")) {
        assertThat(rs.next()).as("the driver prepared the statement on the server").isTrue();
        assertThat(rs.getLong(2)).as("PostgreSQL plans five custom plans before it weighs the generic one")
            .isLessThanOrEqualTo(5);
        assertThat(rs.getLong(1)).as("every later wait ran the generic plan").isGreaterThanOrEqualTo(waits - 10);
      }
    }
  }
}
