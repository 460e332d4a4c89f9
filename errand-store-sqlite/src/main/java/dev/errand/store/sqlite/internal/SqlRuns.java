package dev.errand.store.sqlite.internal;

import dev.errand.core.AttemptError;
import dev.errand.core.TaskId;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Small ways of binding and running statements that several statement groups share. Not public API. */
final class SqlRuns {
  private SqlRuns() {}

  /** Keeps the newest {@link AttemptError#KEPT_PER_TASK} errors of each task. */
  static void trimErrors(WriteContext tx, List<String> taskIds) throws SQLException {
    runForEach(tx.statement("task_error_trim"), taskIds);
  }

  /** Runs {@code statement}, whose one parameter is a task id, once for each of {@code taskIds}. */
  static void runForEach(PreparedStatement statement, List<String> taskIds) throws SQLException {
    if (taskIds.isEmpty()) {
      return;
    }
    for (String id : taskIds) {
      statement.setString(1, id);
      statement.addBatch();
    }
    statement.executeBatch();
  }

  /** Runs {@code statement} (bound) and returns the first column of every row: the ids it returned. */
  static List<String> readIds(PreparedStatement statement) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    }
    return ids;
  }

  /**
   * {@code ids} as a JSON array of strings, for one statement over a batch through {@code json_each}. Task
   * ids need no escaping: {@link TaskId} allows none of the characters JSON escapes.
   */
  static String jsonIds(Collection<TaskId> ids) {
    StringBuilder json = new StringBuilder(ids.size() * 40 + 2).append('[');
    for (TaskId id : ids) {
      if (json.length() > 1) {
        json.append(',');
      }
      json.append('"').append(id.value()).append('"');
    }
    return json.append(']').toString();
  }

  static void setNullable(PreparedStatement statement, int index, Object value, int type) throws SQLException {
    if (value == null) {
      statement.setNull(index, type);
    } else {
      statement.setObject(index, value);
    }
  }

  static void setMicros(PreparedStatement statement, int index, Instant value) throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.INTEGER);
    } else {
      statement.setLong(index, Micros.of(value));
    }
  }
}
