package dev.errand.store.postgres.internal;

import dev.errand.core.ErrandException;
import dev.errand.core.StoreCorruptException;
import dev.errand.core.StoreUnavailableException;
import dev.errand.core.StoreUnreachableException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;

/**
 * Turns JDBC failures into Errand's. An SQLException becomes a {@link StoreUnavailableException}: the
 * store could not do what was asked, and the caller must not treat it as done. A lost connection
 * (SQLState class 08, an administrator or crash shutdown, a pool timeout) is a
 * {@link StoreUnreachableException}, because only then may a write have taken effect without its answer
 * arriving, and because it says the database as a whole is away. Damaged data (SQLState XX001 data
 * corrupted, XX002 index corrupted) is a {@link StoreCorruptException}: retrying cannot fix it. Not public API.
 */
public final class Failures {
  private Failures() {}

  public static ErrandException unavailable(String store, String operation, SQLException e) {
    if (isConnectionLoss(e)) {
      return new StoreUnreachableException(store + ": " + operation + " lost its connection to PostgreSQL: "
          + e.getMessage(), e);
    }
    if (isCorruption(e)) {
      return new StoreCorruptException(store + ": " + operation + " met damaged data in PostgreSQL (SQLState "
          + e.getSQLState() + "); restore the database or repair it (REINDEX for an index): " + e.getMessage(), e);
    }
    return new StoreUnavailableException(store + ": " + operation + " failed in PostgreSQL (SQLState "
        + e.getSQLState() + "): " + e.getMessage(), e);
  }

  /** True for SQLState XX001 (data corrupted) and XX002 (index corrupted). */
  static boolean isCorruption(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && ("XX001".equals(s.getSQLState()) || "XX002".equals(s.getSQLState()))) {
        return true;
      }
    }
    return false;
  }

  /** True if the failure is about reaching the server rather than the statement itself. */
  public static boolean isConnectionLoss(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException || t instanceof SQLRecoverableException) {
        return true;
      }
      if (t instanceof SQLException s && s.getSQLState() != null) {
        String state = s.getSQLState();
        // 08: connection exception; 57P01..57P03: admin shutdown, crash shutdown, cannot connect now.
        if (state.startsWith("08") || state.startsWith("57P")) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * True if the failure lies in the data of the statement's own rows: a value the database refuses
   * (SQLState class 22, data exception, or 23, integrity constraint violation) or that could not be
   * bound. Such a statement failed as a whole before anything was written.
   */
  public static boolean isOwnData(RuntimeException e) {
    if (e instanceof IllegalArgumentException) {
      return true;
    }
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null) {
        return s.getSQLState().startsWith("22") || s.getSQLState().startsWith("23");
      }
    }
    return false;
  }
}
