package dev.errand.store.sqlite.internal;

import dev.errand.core.Json;
import dev.errand.core.Lease;
import dev.errand.core.RetryPolicy;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Reads tasks from rows of the {@code tasks} table, by column name. */
public final class TaskRows {
  private TaskRows() {}

  public static Task read(ResultSet rs) throws SQLException {
    String token = rs.getString("lease_token");
    Lease lease = token == null
        ? null
        : new Lease(token, Micros.toInstant(rs.getLong("lease_until")), rs.getString("worker_id"));
    byte[] result = rs.getBytes("result");
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
            Duration.ofNanos(rs.getLong("backoff_base_ns")),
            Duration.ofNanos(rs.getLong("backoff_cap_ns"))),
        Duration.ofNanos(rs.getLong("timeout_ns")),
        rs.getString("idempotency_key"),
        Micros.toInstant(rs.getLong("run_at")),
        Micros.toInstant(rs.getLong("created_at")),
        instantOrNull(rs, "started_at"),
        instantOrNull(rs, "finished_at"),
        lease,
        result == null ? null : Json.ofTrusted(result),
        rs.getString("last_error"));
  }

  /** Runs {@code statement} (its parameters bound) and reads every row it returns. */
  public static List<Task> readAll(PreparedStatement statement) throws SQLException {
    List<Task> tasks = new ArrayList<>();
    try (ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        tasks.add(read(rs));
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

  private static Instant instantOrNull(ResultSet rs, String column) throws SQLException {
    long micros = rs.getLong(column);
    return rs.wasNull() ? null : Micros.toInstant(micros);
  }
}
