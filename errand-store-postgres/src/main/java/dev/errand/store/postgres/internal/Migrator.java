package dev.errand.store.postgres.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a schema up to the newest migration. Everything happens in one transaction that first takes a
 * transaction-scoped advisory lock keyed by the schema: nodes that start at once queue on the lock, the
 * first creates the schema and applies what is missing, and the others then find nothing left to do. A
 * failed migration rolls back whole, and a node that dies mid-way releases the lock with its connection.
 * Not public API.
 */
public final class Migrator {
  private static final Logger log = LoggerFactory.getLogger(Migrator.class);

  private Migrator() {}

  /** Applies the missing migrations with {@code c} and returns the schema's version afterwards. */
  public static int migrate(String storeName, Connection c, StoreSql sql) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      try (Statement s = c.createStatement()) {
        s.execute(sql.get("migrate_lock"));
        s.execute(sql.get("migrate_create_schema"));
        s.execute(sql.get("migrate_create_version_table"));
      }
      int current = currentVersion(c, sql);
      int known = sql.migrations().isEmpty() ? 0 : sql.migrations().getLast().version();
      if (current > known) {
        log.warn("{}: schema {} is at version {}, newer than version {}, the newest this Errand knows; "
            + "upgrade this node", storeName, sql.schema(), current, known);
      }
      for (StoreSql.Migration m : sql.migrations()) {
        if (m.version() <= current) {
          continue;
        }
        try (Statement s = c.createStatement()) {
          s.execute(m.sql());
        }
        try (PreparedStatement ps = c.prepareStatement(sql.get("migrate_record_version"))) {
          ps.setInt(1, m.version());
          ps.setString(2, m.name());
          ps.executeUpdate();
        }
        log.info("{}: applied migration {} to schema {}", storeName, m.name(), sql.schema());
        current = m.version();
      }
      c.commit();
      return current;
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly(c, e);
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  private static int currentVersion(Connection c, StoreSql sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql.get("migrate_current_version"))) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static void rollbackQuietly(Connection c, Exception cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }
}
