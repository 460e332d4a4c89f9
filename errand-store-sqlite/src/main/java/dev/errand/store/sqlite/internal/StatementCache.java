package dev.errand.store.sqlite.internal;

import dev.errand.core.spi.SqlStatements;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * One SQLite connection and its prepared statements, each prepared on first use and reused after, so the
 * hot path never parses SQL. Not thread-safe: a cache belongs to one thread at a time (the writer thread,
 * or a reader that borrowed it from the {@link ReadPool}).
 */
public final class StatementCache implements AutoCloseable {
  private final Connection connection;
  private final SqlStatements sql;
  private final Map<String, PreparedStatement> prepared = new HashMap<>();

  public StatementCache(Connection connection, SqlStatements sql) {
    this.connection = connection;
    this.sql = sql;
  }

  public PreparedStatement get(String name) throws SQLException {
    PreparedStatement statement = prepared.get(name);
    if (statement == null) {
      statement = connection.prepareStatement(sql.get(name));
      prepared.put(name, statement);
    }
    return statement;
  }

  /**
   * The update statement {@code name} with {@code RETURNING *} appended, for a caller that needs the rows
   * it changed: derived here rather than written twice in the SQL file.
   */
  public PreparedStatement returning(String name) throws SQLException {
    String key = name + " RETURNING";
    PreparedStatement statement = prepared.get(key);
    if (statement == null) {
      statement = connection.prepareStatement(sql.get(name) + "\nRETURNING *");
      prepared.put(key, statement);
    }
    return statement;
  }

  /**
   * Drops every prepared statement, to be prepared again on next use. After a failed step the driver
   * may have finalized the statement (SQLITE_FULL does that) while it still looks open, and every later
   * use fails with "statement is not executing" long after the cause has gone; the connection itself
   * stays good.
   */
  public void reset() {
    for (PreparedStatement statement : prepared.values()) {
      try {
        statement.close();
      } catch (SQLException ignored) {
        // Dropped because it may be broken; its close error adds nothing.
      }
    }
    prepared.clear();
  }

  public Connection connection() {
    return connection;
  }

  /** Closes the statements and the connection; the first failure is thrown after all were tried. */
  @Override
  public void close() throws SQLException {
    SQLException failure = null;
    for (PreparedStatement statement : prepared.values()) {
      try {
        statement.close();
      } catch (SQLException e) {
        failure = failure == null ? e : failure;
      }
    }
    prepared.clear();
    try {
      connection.close();
    } catch (SQLException e) {
      failure = failure == null ? e : failure;
    }
    if (failure != null) {
      throw failure;
    }
  }
}
