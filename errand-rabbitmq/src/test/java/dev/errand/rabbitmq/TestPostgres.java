package dev.errand.rabbitmq;

import static org.junit.jupiter.api.Assertions.fail;

import dev.errand.store.postgres.PostgresStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;

/** A PostgreSQL schema of the test's own, with a random name, dropped after; skips (fails under CI) without a server. */
final class TestPostgres implements AutoCloseable {
  static final String JDBC = System.getenv().getOrDefault("ERRAND_TEST_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
  static final String URL = System.getenv().getOrDefault("ERRAND_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test");

  final String schema;
  final PostgresStore store;

  private TestPostgres(String schema) {
    this.schema = schema;
    this.store = PostgresStore.builder().url(URL).schema(schema).maximumPoolSize(4).build();
  }

  static TestPostgres create() {
    try (Connection c = DriverManager.getConnection(JDBC)) {
      c.isValid(2);
    } catch (SQLException e) {
      String message = "PostgreSQL is not reachable at " + JDBC + ": " + e.getMessage();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message + " (CI=true, so this fails instead of skipping)");
      }
      Assumptions.abort(message);
    }
    byte[] suffix = new byte[4];
    ThreadLocalRandom.current().nextBytes(suffix);
    String schema = "t_rabbitmq_" + HexFormat.of().formatHex(suffix);
    System.out.println("test schema: " + schema);
    return new TestPostgres(schema);
  }

  @Override
  public void close() throws SQLException {
    store.close();
    try (Connection c = DriverManager.getConnection(JDBC); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }
}
