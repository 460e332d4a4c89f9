package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.spi.ClaimRequest;
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
 * The statements of a worker's loop are planned once per connection, not once per use: after the driver
 * has prepared them on the server, PostgreSQL keeps their generic plans.
 *
 * <p>The claim's LIMIT used to be only a parameter, which a generic plan guesses at a tenth of the table,
 * so the generic plan looked dearer than any custom one and every claim was planned again, a cost as
 * large as executing a small claim. The look for due work before an idle wait took its queues as an
 * array, whose unnest a generic plan estimates at ten rows and a custom plan at one: planned afresh for
 * every wait, several times the statement's own execution, once per task when tasks come one at a time.
 */
class PostgresPlanCacheTest {
  private static TestSchema db;
  private static StoreSql sql;

  @BeforeAll
  static void fill() throws Exception {
    db = TestSchema.create("plancache");
    sql = StoreSql.forSchema(db.name());
    db.newStore(); // migrates
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO " + db.name() + ".tasks (id, queue, type, payload, priority, state, attempt,"
          + " max_attempts, backoff_base_nanos, backoff_cap_nanos, timeout_nanos, run_at, created_at)"
          + " SELECT 'task-' || lpad(g::text, 8, '0'), 'q', 'test', '\\x7b7d'::bytea, 0, 'READY', 0, 3,"
          + " 1000000000, 60000000000, 30000000000, now() + g * interval '1 microsecond', now()"
          + " FROM generate_series(1, 100000) g");
      // and a few delayed tasks, the first due in an hour, which bound an idle wait
      s.execute("INSERT INTO " + db.name() + ".tasks (id, queue, type, payload, priority, state, attempt,"
          + " max_attempts, backoff_base_nanos, backoff_cap_nanos, timeout_nanos, run_at, created_at)"
          + " SELECT 'later-' || g, 'q', 'test', '\\x7b7d'::bytea, 0, 'SCHEDULED', 0, 3,"
          + " 1000000000, 60000000000, 30000000000, now() + g * interval '1 hour', now()"
          + " FROM generate_series(1, 100) g");
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
  void claimsOfAnySizeUpToTheCapShareOneGenericPlan() throws Exception {
    TaskStatements statements = new TaskStatements(sql);
    try (Connection c = TestDatabase.connect()) {
      c.setAutoCommit(false);
      int[] limits = {100, 37, 1, 100, 64, 100, 12, 100, 100, 99, 100, 5, 100, 100, 100, 100};
      for (int limit : limits) {
        // Each claim rolled back: the table stays as analysed, as in a long drain's steady state.
        assertThat(statements.claim(c, new ClaimRequest("q", limit, Duration.ofMinutes(1), "w"))).hasSize(limit);
        c.rollback();
      }
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT generic_plans, custom_plans FROM pg_prepared_statements"
              + " WHERE statement LIKE '%FOR UPDATE SKIP LOCKED%'")) {
        assertThat(rs.next()).as("the driver prepared the claim on the server").isTrue();
        long generic = rs.getLong(1);
        long custom = rs.getLong(2);
        assertThat(custom).as("PostgreSQL plans five custom plans before it weighs the generic one")
            .isLessThanOrEqualTo(5);
        assertThat(generic).as("every later claim ran the generic plan").isGreaterThanOrEqualTo(limits.length - 10);
        assertThat(rs.next()).as("one claim text for every limit up to 100").isFalse();
      }
      c.rollback();
    }
  }

  @Test
  void aQueueWorkersWaitBoundKeepsOneGenericPlan() throws Exception {
    TaskStatements statements = new TaskStatements(sql);
    try (Connection c = TestDatabase.connect()) {
      int waits = 16;
      for (int i = 0; i < waits; i++) {
        assertThat(statements.nextDue(c, Set.of("q"))).isBetween(Duration.ofMinutes(50), Duration.ofMinutes(60));
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

  /** Fifteen arrays, one a column; the insert that may lease its task to an idle worker takes four more. */
  @Test
  void theInsertThatLeasesNothingHasNoClaimingPart() {
    assertThat(sql.insert(false)).doesNotContain("{claiming}").doesNotContain("claim_for").contains("WHERE false");
    assertThat(sql.insert(true)).doesNotContain("{claiming}").contains("claim_for");
    assertThat(sql.insert(false).chars().filter(ch -> ch == '?')).hasSize(15);
    assertThat(sql.insert(true).chars().filter(ch -> ch == '?')).hasSize(19);
  }

  @Test
  void theCapIsTheFirstPowerOfTenFromAHundredThatHoldsTheLimit() {
    assertThat(sql.claim(1)).isEqualTo(sql.claim(100)).contains("LIMIT 100\n");
    assertThat(sql.claim(101)).isEqualTo(sql.claim(1000)).contains("LIMIT 1000\n");
    assertThat(sql.claim(1001)).contains("LIMIT 10000\n");
    assertThat(sql.claim(Integer.MAX_VALUE)).contains("LIMIT " + Integer.MAX_VALUE + "\n");
    assertThat(sql.claim(100)).doesNotContain("{claim_cap}");
  }
}
