package dev.errand.store.sqlite.internal;

import dev.errand.core.Heartbeats;
import dev.errand.core.Json;
import dev.errand.core.Lease;
import dev.errand.core.RetryPolicy;
import dev.errand.core.Task;
import dev.errand.core.TaskHeaders;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Reads tasks from rows of the {@code tasks} table. Columns are found by name once per result set and
 * then read by position: the driver's by-name lookup is a linear scan of the column names, and on a
 * claim's {@code RETURNING *} it cost more than the rest of the row (profiled in the drain benchmark).
 */
public final class TaskRows {
  private TaskRows() {}

  /** Positions of the task columns in one result set. */
  private record Columns(int id, int queue, int type, int payload, int priority, int state, int attempt,
      int maxAttempts, int backoffBase, int backoffCap, int timeout, int idempotencyKey, int runAt,
      int createdAt, int startedAt, int finishedAt, int leaseToken, int leaseUntil, int workerId, int result,
      int lastError, int kind, int headers, int progress, int heartbeats) {

    static Columns of(ResultSet rs) throws SQLException {
      return new Columns(rs.findColumn("id"), rs.findColumn("queue"), rs.findColumn("type"),
          rs.findColumn("payload"), rs.findColumn("priority"), rs.findColumn("state"), rs.findColumn("attempt"),
          rs.findColumn("max_attempts"), rs.findColumn("backoff_base_ns"), rs.findColumn("backoff_cap_ns"),
          rs.findColumn("timeout_ns"), rs.findColumn("idempotency_key"), rs.findColumn("run_at"),
          rs.findColumn("created_at"), rs.findColumn("started_at"), rs.findColumn("finished_at"),
          rs.findColumn("lease_token"), rs.findColumn("lease_until"), rs.findColumn("worker_id"),
          rs.findColumn("result"), rs.findColumn("last_error"), rs.findColumn("kind"), rs.findColumn("headers"),
          rs.findColumn("progress"), rs.findColumn("heartbeats"));
    }
  }

  public static Task read(ResultSet rs) throws SQLException {
    return read(rs, Columns.of(rs));
  }

  /**
   * Every row was checked on its way in, so a row whose values do not make a task (an unknown state,
   * a malformed id) was damaged on disk: reported as SQLite reports damage, not as a bug of the caller.
   */
  private static Task read(ResultSet rs, Columns c) throws SQLException {
    try {
      return decode(rs, c);
    } catch (RuntimeException e) {
      throw damaged(e);
    }
  }

  private static SQLiteException damaged(RuntimeException e) {
    SQLiteException damaged = new SQLiteException("a stored task row cannot be read: " + e.getMessage(),
        SQLiteErrorCode.SQLITE_CORRUPT);
    damaged.initCause(e);
    return damaged;
  }

  private static Task decode(ResultSet rs, Columns c) throws SQLException {
    String token = rs.getString(c.leaseToken());
    Lease lease = token == null
        ? null
        : new Lease(token, Micros.toInstant(rs.getLong(c.leaseUntil())), rs.getString(c.workerId()));
    byte[] result = rs.getBytes(c.result());
    byte[] progress = rs.getBytes(c.progress());
    return new Task(
        TaskId.of(rs.getString(c.id())),
        rs.getString(c.queue()),
        rs.getString(c.type()),
        Json.ofTrusted(rs.getBytes(c.payload())),
        rs.getInt(c.priority()),
        TaskState.valueOf(rs.getString(c.state())),
        rs.getInt(c.attempt()),
        new RetryPolicy(
            rs.getInt(c.maxAttempts()),
            Duration.ofNanos(rs.getLong(c.backoffBase())),
            Duration.ofNanos(rs.getLong(c.backoffCap()))),
        Duration.ofNanos(rs.getLong(c.timeout())),
        rs.getString(c.idempotencyKey()),
        Micros.toInstant(rs.getLong(c.runAt())),
        Micros.toInstant(rs.getLong(c.createdAt())),
        instantOrNull(rs, c.startedAt()),
        instantOrNull(rs, c.finishedAt()),
        lease,
        result == null ? null : Json.ofTrusted(result),
        rs.getString(c.lastError()),
        kind(rs.getString(c.kind())),
        TaskHeaders.fromJson(rs.getString(c.headers())),
        progress == null ? null : Json.ofTrusted(progress),
        currentHeartbeats(rs, c.heartbeats(), rs.getLong(c.startedAt())));
  }

  /**
   * The heartbeats in the three columns from {@code column} on (count, first, last: migration 10), or
   * null for none.
   */
  static Heartbeats heartbeats(ResultSet rs, int column) throws SQLException {
    int count = rs.getInt(column);
    return count < 1 ? null : new Heartbeats(count, Micros.toInstant(rs.getLong(column + 1)),
        Micros.toInstant(rs.getLong(column + 2)));
  }

  /** The task's heartbeats if they are of the attempt that started at {@code startedAt} (see lease_extend). */
  private static Heartbeats currentHeartbeats(ResultSet rs, int column, long startedAt) throws SQLException {
    long first = rs.getLong(column + 1);
    return rs.wasNull() || first < startedAt ? null : heartbeats(rs, column);
  }

  /** The usual kind as the one constant, so a million rows read do not hold a million copies of it. */
  private static String kind(String kind) {
    return TaskSpec.HANDLER_KIND.equals(kind) ? TaskSpec.HANDLER_KIND : kind;
  }

  /**
   * Runs the bound claim statement and reads the tasks it leased. The claim returns only the columns it
   * did not set (see store.sql); the rest are known here: the queue it claimed from, RUNNING, started at
   * {@code now}, the worker, the lease capped as the statement caps it, and no result or finish time (a
   * claimable task has neither: every way back to READY clears them).
   */
  public static List<Task> readClaimed(PreparedStatement claim, String queue, String workerId, long now,
      long leaseUntil, long graceMicros) throws SQLException {
    List<Task> tasks = new ArrayList<>();
    try (ResultSet rs = claim.executeQuery()) {
      while (rs.next()) {
        try {
          tasks.add(decodeClaimed(rs, queue, workerId, now, leaseUntil, graceMicros));
        } catch (RuntimeException e) {
          throw damaged(e);
        }
      }
    }
    return tasks;
  }

  /** A row of the claim's RETURNING list, by position. */
  private static Task decodeClaimed(ResultSet rs, String queue, String workerId, long now, long leaseUntil,
      long graceMicros) throws SQLException {
    long timeoutNanos = rs.getLong(9);
    byte[] progress = rs.getBytes(17);
    // As the statement computes it: min(?4, ?3 + timeout_ns / 1000 + ?6).
    long until = Math.min(leaseUntil, now + timeoutNanos / 1000 + graceMicros);
    return new Task(
        TaskId.of(rs.getString(1)),
        queue,
        rs.getString(2),
        Json.ofTrusted(rs.getBytes(3)),
        rs.getInt(4),
        TaskState.RUNNING,
        rs.getInt(5),
        new RetryPolicy(rs.getInt(6), Duration.ofNanos(rs.getLong(7)), Duration.ofNanos(rs.getLong(8))),
        Duration.ofNanos(timeoutNanos),
        rs.getString(10),
        Micros.toInstant(rs.getLong(11)),
        Micros.toInstant(rs.getLong(12)),
        Micros.toInstant(now),
        null,
        new Lease(rs.getString(13), Micros.toInstant(until), workerId),
        null,
        rs.getString(14),
        kind(rs.getString(15)),
        TaskHeaders.fromJson(rs.getString(16)),
        progress == null ? null : Json.ofTrusted(progress));
  }

  /** Runs {@code statement} (its parameters bound) and reads every row it returns. */
  public static List<Task> readAll(PreparedStatement statement) throws SQLException {
    List<Task> tasks = new ArrayList<>();
    try (ResultSet rs = statement.executeQuery()) {
      Columns columns = null;
      while (rs.next()) {
        if (columns == null) {
          columns = Columns.of(rs);
        }
        tasks.add(read(rs, columns));
      }
    }
    return tasks;
  }

  /** Runs {@code statement} (its parameters bound) and reads its one row, or null. */
  public static Task readOne(PreparedStatement statement) throws SQLException {
    try (ResultSet rs = statement.executeQuery()) {
      return rs.next() ? read(rs) : null;
    }
  }

  private static Instant instantOrNull(ResultSet rs, int column) throws SQLException {
    long micros = rs.getLong(column);
    return rs.wasNull() ? null : Micros.toInstant(micros);
  }
}
