package dev.errand.store.postgres;

import static org.junit.jupiter.api.Assertions.fail;

import dev.errand.store.postgres.internal.ConnectionUrl;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL server the tests run against: {@code ERRAND_TEST_POSTGRES_URL}, by default the local
 * server with trust authentication. When it cannot be reached, tests are skipped on a developer's
 * machine, but fail when the environment says {@code CI=true}, so a CI run never passes by testing
 * nothing. Each test class works in a schema of its own, named with a random suffix and dropped after.
 */
final class TestDatabase {
  static final String URL = System.getenv().getOrDefault(
      "ERRAND_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test");
  private static final ConnectionUrl PARSED = ConnectionUrl.parse(URL);

  private TestDatabase() {}

  /** Skips (or, under CI, fails) the calling test when the server is not there. */
  static void requireServer() {
    try (Connection c = connect()) {
      c.isValid(2);
    } catch (SQLException e) {
      String message = "PostgreSQL is not reachable at " + URL + ": " + e.getMessage();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message + " (CI=true, so this fails instead of skipping)");
      }
      Assumptions.abort(message);
    }
  }

  /** A fresh, not yet created, schema name such as {@code t_claims_1a2b3c4d}. */
  static String newSchemaName(String purpose) {
    byte[] suffix = new byte[4];
    ThreadLocalRandom.current().nextBytes(suffix);
    String schema = "t_" + purpose + "_" + HexFormat.of().formatHex(suffix);
    System.out.println("test schema: " + schema);
    return schema;
  }

  static PostgresStore newStore(String schema) {
    return PostgresStore.builder().url(URL).schema(schema).maximumPoolSize(4).build();
  }

  /** A plain connection outside any store, auto-commit on. */
  static Connection connect() throws SQLException {
    Properties p = PARSED.credentials();
    p.setProperty("connectTimeout", "3");
    return DriverManager.getConnection(PARSED.jdbcUrl(), p);
  }

  static void dropSchema(String schema) {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop test schema " + schema, e);
    }
  }
}
