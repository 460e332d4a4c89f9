package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.store.postgres.internal.StoreSql;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/** Explains the store's statements as the server would run them, for the plan tests. */
final class Plans {
  private Plans() {}

  /**
   * Explains {@code statement} prepared with {@code types}, run with {@code args}, once as a custom and
   * once as a generic plan (what a prepared statement may switch to after a few executions); fails if
   * either scans the task table sequentially. Returns both plans.
   */
  static String explain(StoreSql sql, String statement, String types, String args) throws Exception {
    return explainText(statement, sql.get(statement), types, args);
  }

  /** As {@link #explain}, for a statement's text as the store binds it (the claim's, for one limit). */
  static String explainText(String statement, String text, String types, String args) throws Exception {
    StringBuilder plans = new StringBuilder();
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      s.execute("PREPARE plan_test" + (types.isEmpty() ? "" : "(" + types + ")") + " AS " + numbered(text));
      for (String mode : new String[] {"force_custom_plan", "force_generic_plan"}) {
        s.execute("SET plan_cache_mode = " + mode);
        StringBuilder plan = new StringBuilder();
        try (ResultSet rs = s.executeQuery("EXPLAIN EXECUTE plan_test" + (args.isEmpty() ? "" : "(" + args + ")"))) {
          while (rs.next()) {
            plan.append(rs.getString(1)).append('\n');
          }
        }
        System.out.println(statement + " (" + mode + "):\n" + plan);
        assertThat(plan.toString()).as(statement + " " + mode).doesNotContain("Seq Scan on tasks");
        plans.append(plan);
      }
    }
    return plans.toString();
  }

  /** JDBC's {@code ?} placeholders as PREPARE's {@code $n}; the statements hold no other question mark. */
  private static String numbered(String jdbcSql) {
    StringBuilder out = new StringBuilder();
    int n = 0;
    for (char ch : jdbcSql.toCharArray()) {
      if (ch == '?') {
        out.append('$').append(++n);
      } else {
        out.append(ch);
      }
    }
    return out.toString();
  }
}
