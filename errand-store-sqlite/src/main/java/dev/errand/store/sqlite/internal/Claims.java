package dev.errand.store.sqlite.internal;

import dev.errand.core.Task;
import dev.errand.core.spi.AttemptTimeout;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.ClaimResult;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;

/**
 * Claims: the housekeeping a claim does first (promoting due tasks, only when the {@link ClaimHorizon}
 * says there may be some; expired leases are left to {@link LeaseSweeps}), the queue's limits (cap and
 * token bucket), and the claim statement itself. Runs in the writer's transaction, whose single thread makes a limit's read
 * and the spend that follows atomic. Confined to the writer thread. Not public API.
 */
public final class Claims {
  /** Promote at least this many due tasks per claim: enough to keep priority order among due tasks. */
  private static final int PROMOTE_BATCH = 1_000;

  private static final Comparator<Task> CLAIM_ORDER = Comparator.comparingInt(Task::priority).reversed()
      .thenComparing(Task::runAt)
      .thenComparing(Task::id);

  private final ClaimHorizon horizon;

  public Claims(ClaimHorizon horizon) {
    this.horizon = horizon;
  }

  public ClaimResult claim(WriteContext tx, ClaimRequest request) throws SQLException {
    long now = Micros.of(tx.now());
    int batch = Math.max(request.limit(), PROMOTE_BATCH);
    String queue = request.queue();
    if (horizon.mayHaveDue(queue, now)) {
      queueStatement(tx, "claim_promote_due", queue, now, batch).executeUpdate();
      long next = nextTime(tx, "claim_next_due", queue);
      tx.afterCommit(() -> horizon.nextDue(queue, next));
    }
    int limit = allowance(tx, request.queue(), request.limit(), now);
    if (limit == 0) {
      return new ClaimResult(List.of());
    }
    long leaseUntil = Micros.plus(now, request.leaseFor());
    long grace = Micros.nanos(AttemptTimeout.GRACE) / 1000;
    PreparedStatement claim = tx.statement("claim");
    claim.setString(1, queue);
    claim.setInt(2, limit);
    claim.setLong(3, now);
    claim.setLong(4, leaseUntil);
    claim.setString(5, request.workerId());
    claim.setLong(6, grace);
    List<Task> tasks = TaskRows.readClaimed(claim, queue, request.workerId(), now, leaseUntil, grace);
    if (!tasks.isEmpty()) {
      spendTokens(tx, request.queue(), tasks.size(), now);
    }
    // RETURNING gives rows in no particular order; callers get them best first.
    tasks.sort(CLAIM_ORDER);
    return new ClaimResult(tasks);
  }

  /**
   * Whether a claim of {@code queue} would take a task inserted now before any other: the queue is
   * neither paused nor limited and holds no READY or due task (InsertRequest#claimFor).
   */
  public boolean takesNextInsert(WriteContext tx, String queue) throws SQLException {
    PreparedStatement open = tx.statement("claim_at_insert_open");
    open.setString(1, queue);
    open.setLong(2, Micros.of(tx.now()));
    try (ResultSet rs = open.executeQuery()) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  /** The named statement bound to the (queue, now, batch) parameters the claim's housekeeping shares. */
  private static PreparedStatement queueStatement(WriteContext tx, String name, String queue, long now, int batch)
      throws SQLException {
    PreparedStatement statement = tx.statement(name);
    statement.setString(1, queue);
    statement.setLong(2, now);
    statement.setInt(3, batch);
    return statement;
  }

  /** The earliest time the named statement reads for {@code queue}, or {@code Long.MAX_VALUE} for none. */
  private static long nextTime(WriteContext tx, String statementName, String queue) throws SQLException {
    PreparedStatement next = tx.statement(statementName);
    next.setString(1, queue);
    try (ResultSet rs = next.executeQuery()) {
      long at = rs.next() ? rs.getLong(1) : 0;
      return rs.wasNull() ? Long.MAX_VALUE : at;
    }
  }

  /**
   * How many a claim of {@code limit} may take under the queue's limits: the cap less the live RUNNING
   * tasks, and the whole tokens in the bucket refilled to {@code now}. The single writer makes the read
   * and the spend that follows atomic.
   */
  private static int allowance(WriteContext tx, String queue, int limit, long now) throws SQLException {
    PreparedStatement limits = tx.statement("queue_limits");
    limits.setString(1, queue);
    try (ResultSet rs = limits.executeQuery()) {
      if (!rs.next()) {
        return limit;
      }
      long allowed = limit;
      int maxRunning = rs.getInt("max_running");
      if (!rs.wasNull()) {
        PreparedStatement running = tx.statement("queue_running_live");
        running.setString(1, queue);
        running.setLong(2, now);
        try (ResultSet count = running.executeQuery()) {
          count.next();
          allowed = Math.min(allowed, maxRunning - count.getLong(1));
        }
      }
      double rate = rs.getDouble("rate_per_second");
      if (!rs.wasNull()) {
        allowed = Math.min(allowed, (long) Math.floor(refilled(rs.getDouble("tokens"), rs.getLong("tokens_at"),
            rate, rs.getInt("burst"), now)));
      }
      return (int) Math.max(0, allowed);
    }
  }

  /** A bucket of {@code tokens} at {@code at} refilled at {@code rate} per second up to {@code burst}. */
  private static double refilled(double tokens, long at, double rate, int burst, long now) {
    return now <= at ? tokens : Math.min(burst, tokens + (now - at) * rate / 1_000_000.0);
  }

  /** Takes {@code taken} tokens from the queue's bucket, if it has one, refilled to {@code now}. */
  private static void spendTokens(WriteContext tx, String queue, int taken, long now) throws SQLException {
    PreparedStatement limits = tx.statement("queue_limits");
    limits.setString(1, queue);
    double left;
    long at;
    try (ResultSet rs = limits.executeQuery()) {
      if (!rs.next()) {
        return;
      }
      double rate = rs.getDouble("rate_per_second");
      if (rs.wasNull()) {
        return;
      }
      at = Math.max(now, rs.getLong("tokens_at"));
      left = refilled(rs.getDouble("tokens"), rs.getLong("tokens_at"), rate, rs.getInt("burst"), now) - taken;
    }
    PreparedStatement spend = tx.statement("queue_spend_tokens");
    spend.setString(1, queue);
    spend.setDouble(2, left);
    spend.setLong(3, at);
    spend.executeUpdate();
  }
}
