package dev.errand.server;

import static org.assertj.core.api.Assumptions.assumeThat;

import dev.errand.core.spi.TaskStoreProvider;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** On PostgreSQL, in a schema of its own that is dropped after each test; skips if there is no server. */
class PostgresRemoteLeaseTest extends RemoteLeaseTest {
  private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  private String schema;

  @Override
  TestServer newServer() {
    assumeThat(reachable()).as("PostgreSQL at " + JDBC).isTrue();
    schema = "leases_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    return TestServer.startedOn(TaskStoreProvider.openUrl(
        "postgres://postgres@127.0.0.1:5432/test?schema=" + schema));
  }

  @Override
  void afterClose() {
    if (schema == null) {
      return;
    }
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
