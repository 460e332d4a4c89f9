package dev.errand.store.sqlite.internal;

import dev.errand.core.StoreUnavailableException;
import dev.errand.core.spi.SqlStatements;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Versioned schema changes: {@code migrations/001.sql}, {@code 002.sql}, … beside the anchor class, each
 * a list of {@code -- name:} statements run in file order. The {@code schema_version} table records what
 * has run; pending migrations run in one transaction, so a crash leaves the old schema or the new one.
 */
public final class Migrations {
  /** The highest number looked for. Numbers are handed out ahead of time, so one may be missing for a while. */
  private static final int MAX_VERSION = 999;

  /** By version; a number with no file has none. */
  private final SortedMap<Integer, SqlStatements> migrations;

  private Migrations(SortedMap<Integer, SqlStatements> migrations) {
    this.migrations = migrations;
  }

  /** Loads every numbered migration beside {@code anchor}; a missing number is skipped, not an end. */
  public static Migrations load(Class<?> anchor) {
    SortedMap<Integer, SqlStatements> migrations = new TreeMap<>();
    for (int version = 1; version <= MAX_VERSION; version++) {
      if (anchor.getResource(resource(version)) != null) {
        migrations.put(version, SqlStatements.load(anchor, resource(version)));
      }
    }
    return new Migrations(Collections.unmodifiableSortedMap(migrations));
  }

  private static String resource(int version) {
    return String.format("migrations/%03d.sql", version);
  }

  public int latest() {
    return migrations.isEmpty() ? 0 : migrations.lastKey();
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
      for (var entry : migrations.tailMap(current + 1).entrySet()) {
        int version = entry.getKey();
        SqlStatements migration = entry.getValue();
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
