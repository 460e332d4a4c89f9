package dev.errand.store.sqlite.internal;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.ProgressHandler;

/**
 * The check a store makes of its file when it opens: SQLite's {@code quick_check}, cut off when it has run
 * for its time budget (a large file is then checked only in part, and the log says so), so damage found
 * while the store is serving is rarer and a damaged file refuses to open with a clear message instead.
 */
public final class OpenCheck {
  private static final Logger LOG = LoggerFactory.getLogger(OpenCheck.class);
  /** SQLite calls the progress handler after about this many virtual machine steps. */
  private static final int STEPS_BETWEEN_LOOKS = 10_000;
  private static final int SQLITE_INTERRUPT = 9;
  private static final int MOST_PROBLEMS_SHOWN = 5;

  private OpenCheck() {}

  /**
   * Runs the check within {@code budget} (zero: not at all); throws what {@code errors} makes of damage
   * found, and returns normally if none was found in the time.
   */
  public static void run(StoreErrors errors, StatementCache statements, Duration budget) throws SQLException {
    if (budget.isZero()) {
      return;
    }
    long started = System.nanoTime();
    long deadline = started + budget.toNanos();
    ProgressHandler.setHandler(statements.connection(), STEPS_BETWEEN_LOOKS, new ProgressHandler() {
      @Override
      protected int progress() {
        return System.nanoTime() - deadline > 0 ? 1 : 0;
      }
    });
    List<String> problems = new ArrayList<>();
    try (ResultSet rows = statements.get("quick_check").executeQuery()) {
      while (rows.next()) {
        String row = rows.getString(1);
        if (!"ok".equals(row) && problems.size() < MOST_PROBLEMS_SHOWN) {
          problems.add(row);
        }
      }
    } catch (SQLException e) {
      if ((e.getErrorCode() & 0xff) != SQLITE_INTERRUPT) {
        throw e;
      }
      LOG.info("{}: quick check stopped after its budget of {}; the file was checked only in part", errors.store(),
          budget);
      return;
    } finally {
      ProgressHandler.clearHandler(statements.connection());
    }
    if (!problems.isEmpty()) {
      throw errors.corrupt("quick_check found " + String.join("; ", problems), null);
    }
    LOG.debug("{}: quick check passed in {} ms", errors.store(), (System.nanoTime() - started) / 1_000_000);
  }
}
