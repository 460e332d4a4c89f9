package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.TaskStoreProvider;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A PostgreSQL store in a schema of its own, dropped by {@link #drop()}. Without a server the test skips,
 * except under {@code CI=true}, where it fails.
 */
final class PostgresTestSchema {
  private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  private final String schema;

  private PostgresTestSchema(String prefix) {
    this.schema = prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  /** A fresh schema named {@code prefix_<hex>}; skips (or fails under CI) if PostgreSQL is not there. */
  static PostgresTestSchema create(String prefix) {
    if ("true".equals(System.getenv("CI"))) {
      assertThat(reachable()).as("PostgreSQL at " + JDBC).isTrue();
    } else {
      assumeThat(reachable()).as("PostgreSQL at " + JDBC).isTrue();
    }
    return new PostgresTestSchema(prefix);
  }

  TaskStore open() {
    return TaskStoreProvider.openUrl("postgres://postgres@127.0.0.1:5432/test?schema=" + schema);
  }

  void drop() {
    try (Connection c = DriverManager.getConnection(JDBC); Statement s = c.createStatement()) {
      // The name is ours, a prefix and hex, so it needs no quoting.
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException("could not drop the test schema " + schema, e);
    }
  }

  private static boolean reachable() {
    try (Connection c = DriverManager.getConnection(JDBC)) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }
}
