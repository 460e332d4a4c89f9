package dev.errand.store.postgres.internal;

import dev.errand.core.Heartbeats;
import dev.errand.core.Json;
import dev.errand.core.Lease;
import dev.errand.core.RetryPolicy;
import dev.errand.core.Task;
import dev.errand.core.TaskHeaders;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.spi.NewTask;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** Reads rows of the tasks table (selected with {@code *}) into {@link Task} values. Not public API. */
public final class TaskRows {
  private TaskRows() {}

  public static List<Task> readAll(ResultSet rs) throws SQLException {
    List<Task> tasks = new ArrayList<>();
    while (rs.next()) {
      tasks.add(read(rs));
    }
    return tasks;
  }

  public static Task read(ResultSet rs) throws SQLException {
    byte[] result = rs.getBytes("result");
    byte[] progress = rs.getBytes("progress");
    return new Task(
        TaskId.of(rs.getString("id")),
        rs.getString("queue"),
        rs.getString("type"),
        Json.ofTrusted(rs.getBytes("payload")),
        rs.getInt("priority"),
        TaskState.valueOf(rs.getString("state")),
        rs.getInt("attempt"),
        new RetryPolicy(
            rs.getInt("max_attempts"),
            Duration.ofNanos(rs.getLong("backoff_base_nanos")),
            Duration.ofNanos(rs.getLong("backoff_cap_nanos"))),
        Duration.ofNanos(rs.getLong("timeout_nanos")),
        rs.getString("idempotency_key"),
        instant(rs, "run_at"),
        instant(rs, "created_at"),
        instant(rs, "started_at"),
        instant(rs, "finished_at"),
        lease(rs),
        result == null ? null : Json.ofTrusted(result),
        rs.getString("last_error"),
        kind(rs.getString("kind")),
        TaskHeaders.fromJson(rs.getString("headers")),
        progress == null ? null : Json.ofTrusted(progress),
        currentHeartbeats(rs));
  }

  /**
   * A task just inserted as {@code t}, from the row insert_tasks returns: only what the database decided
   * (the state, the attempt, the times and the lease) is read; the rest is {@code t}'s, as stored. A new
   * row has no result, error, progress or heartbeats.
   */
  public static Task inserted(NewTask t, ResultSet rs) throws SQLException {
    return new Task(
        t.id(),
        t.queue(),
        t.type(),
        t.payload(),
        t.priority(),
        TaskState.valueOf(rs.getString("state")),
        rs.getInt("attempt"),
        t.retry(),
        t.timeout(),
        t.idempotencyKey(),
        instant(rs, "run_at"),
        instant(rs, "created_at"),
        instant(rs, "started_at"),
        null,
        lease(rs),
        null,
        null,
        kind(t.kind()),
        t.headers(),
        null,
        null);
  }

  /** The heartbeats of a row's three heartbeat columns (migration 10), or null for none. */
  public static Heartbeats heartbeats(ResultSet rs) throws SQLException {
    int count = rs.getInt("heartbeats");
    return count < 1 ? null : new Heartbeats(count, instant(rs, "heartbeat_first"), instant(rs, "heartbeat_last"));
  }

  /** The task's heartbeats if they are of the attempt that started at started_at (see extend_leases). */
  private static Heartbeats currentHeartbeats(ResultSet rs) throws SQLException {
    Instant first = instant(rs, "heartbeat_first");
    Instant started = instant(rs, "started_at");
    return first == null || started == null || first.isBefore(started) ? null : heartbeats(rs);
  }

  private static Lease lease(ResultSet rs) throws SQLException {
    String token = rs.getString("lease_token");
    Instant leaseUntil = instant(rs, "lease_until");
    return token == null || leaseUntil == null ? null : new Lease(token, leaseUntil, rs.getString("worker_id"));
  }

  /** The usual kind as the one constant, so many rows read do not hold many copies of it. */
  private static String kind(String kind) {
    return TaskSpec.HANDLER_KIND.equals(kind) ? TaskSpec.HANDLER_KIND : kind;
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }
}
