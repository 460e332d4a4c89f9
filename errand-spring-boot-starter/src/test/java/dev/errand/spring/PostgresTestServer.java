package dev.errand.spring;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;

/**
 * The local PostgreSQL the starter's tests use ({@code ERRAND_TEST_JDBC_URL}, default the test database
 * on 127.0.0.1 as postgres). Missing, the tests skip on a developer's machine and fail under {@code CI=true}.
 */
final class PostgresTestServer {
  static final String JDBC_URL = System.getenv().getOrDefault("ERRAND_TEST_JDBC_URL",
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=3");

  private PostgresTestServer() {}

  static void require() {
    try (Connection c = DriverManager.getConnection(JDBC_URL)) {
      c.isValid(2);
    } catch (SQLException e) {
      String message = "PostgreSQL is not reachable at " + JDBC_URL + ": " + e.getMessage();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message + " (CI=true, so this fails instead of skipping)");
      }
      Assumptions.abort(message);
    }
  }

  /** A schema name of this run's own, such as {@code t_spring_1a2b3c4d}. */
  static String newSchema() {
    byte[] suffix = new byte[4];
    ThreadLocalRandom.current().nextBytes(suffix);
    String schema = "t_spring_" + HexFormat.of().formatHex(suffix);
    System.out.println("test schema: " + schema);
    return schema;
  }

  static void execute(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(JDBC_URL); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
