package dev.errand.store.sqlite.internal;

import dev.errand.core.StoreUnavailableException;
import dev.errand.core.spi.SqlStatements;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Versioned schema changes: {@code migrations/001.sql}, {@code 002.sql}, … beside the anchor class, each
 * a list of {@code -- name:} statements run in file order. The {@code schema_version} table records what
 * has run; pending migrations run in one transaction, so a crash leaves the old schema or the new one.
 */
public final class Migrations {
  private final List<SqlStatements> migrations;

  private Migrations(List<SqlStatements> migrations) {
    this.migrations = migrations;
  }

  /** Loads every numbered migration beside {@code anchor}, stopping at the first number with no file. */
  public static Migrations load(Class<?> anchor) {
    List<SqlStatements> migrations = new ArrayList<>();
    for (int version = 1; anchor.getResource(resource(version)) != null; version++) {
      migrations.add(SqlStatements.load(anchor, resource(version)));
    }
    return new Migrations(List.copyOf(migrations));
  }

  private static String resource(int version) {
    return String.format("migrations/%03d.sql", version);
  }

  public int latest() {
    return migrations.size();
  }

  /** Brings the database up to {@link #latest()}; returns the version it was at. */
  public int apply(String store, StatementCache statements, Clock clock) throws SQLException {
    Connection connection = statements.connection();
    statements.get("schema_version_create").execute();
    statements.get("tx_begin").execute();
    try {
      int current;
      try (ResultSet rs = statements.get("schema_version_current").executeQuery()) {
        rs.next();
        current = rs.getInt(1);
      }
      if (current > latest()) {
        throw new StoreUnavailableException(store + " has schema version " + current
            + " but this build knows only up to " + latest() + ": it was written by a newer Errand", null);
      }
      for (int version = current + 1; version <= latest(); version++) {
        SqlStatements migration = migrations.get(version - 1);
        try (Statement statement = connection.createStatement()) {
          for (String name : migration.names()) {
            statement.execute(migration.get(name));
          }
        }
        var record = statements.get("schema_version_record");
        record.setInt(1, version);
        record.setLong(2, Micros.of(clock.instant()));
        record.executeUpdate();
      }
      statements.get("tx_commit").execute();
      return current;
    } catch (SQLException | RuntimeException e) {
      try {
        statements.get("tx_rollback").execute();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }
}
