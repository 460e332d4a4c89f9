package dev.errand.store.sqlite.internal;

import dev.errand.core.QueueLimits;
import dev.errand.core.spi.QueueLimitsRequest;
import dev.errand.core.spi.QueuePauseRequest;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;

/**
 * A queue's controls: its pause flag and its limits (running cap, token bucket), set in the writer's
 * transaction it is given; both wake the queue's waiters, whose claims may now take more or nothing.
 * Claims read the limits themselves ({@link Claims}). Not public API.
 */
public final class QueueControl {
  public void pause(WriteContext tx, QueuePauseRequest request) throws SQLException {
    PreparedStatement pause = tx.statement("queue_set_paused");
    pause.setString(1, request.queue());
    pause.setInt(2, request.paused() ? 1 : 0);
    pause.setLong(3, Micros.of(tx.now()));
    pause.executeUpdate();
    tx.wake(request.queue());
  }

  public void limit(WriteContext tx, QueueLimitsRequest request) throws SQLException {
    QueueLimits limits = request.limits();
    PreparedStatement set = tx.statement("queue_set_limits");
    set.setString(1, request.queue());
    set.setLong(2, Micros.of(tx.now()));
    SqlRuns.setNullable(set, 3, limits.maxRunning(), Types.INTEGER);
    SqlRuns.setNullable(set, 4, limits.ratePerSecond(), Types.REAL);
    SqlRuns.setNullable(set, 5, limits.burst(), Types.INTEGER);
    set.executeUpdate();
    tx.wake(request.queue());
  }

  /** The limits in a row that has the {@code max_running}, {@code rate_per_second} and {@code burst} columns. */
  static QueueLimits limits(ResultSet rs) throws SQLException {
    Integer maxRunning = rs.getObject("max_running") == null ? null : rs.getInt("max_running");
    Double rate = rs.getObject("rate_per_second") == null ? null : rs.getDouble("rate_per_second");
    Integer burst = rs.getObject("burst") == null ? null : rs.getInt("burst");
    return new QueueLimits(maxRunning, rate, burst);
  }
}
