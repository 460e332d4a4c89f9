package dev.errand.store.postgres.internal;

import dev.errand.core.StoreUnavailableException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;

/**
 * Turns JDBC failures into Errand's. Every SQLException becomes a {@link StoreUnavailableException}: the
 * store could not do what was asked, and the caller must not treat it as done. The message says whether
 * the connection was lost (SQLState class 08, an administrator or crash shutdown, a pool timeout), because
 * only then may a write have taken effect without its answer arriving. Not public API.
 */
public final class Failures {
  private Failures() {}

  public static StoreUnavailableException unavailable(String store, String operation, SQLException e) {
    String kind = isConnectionLoss(e)
        ? "lost its connection to PostgreSQL"
        : "failed in PostgreSQL (SQLState " + e.getSQLState() + ")";
    return new StoreUnavailableException(store + ": " + operation + " " + kind + ": " + e.getMessage(), e);
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
