package dev.errand.store.sqlite.internal;

import dev.errand.core.spi.SqlStatements;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Read-only connections for get, list, queues and the waiters' look-ups. In WAL mode a reader sees the
 * last commit and never waits for the writer, so reads stay fast while a group commits. Connections open
 * on demand up to a fixed number and are kept; one that failed is closed rather than reused. Thread-safe.
 */
public final class ReadPool implements AutoCloseable {
  /** Work done with a borrowed connection; it must close every result set it opens. */
  @FunctionalInterface
  public interface Work<T> {
    T run(StatementCache statements) throws SQLException;
  }

  /** Opens a new read connection. */
  @FunctionalInterface
  public interface Opener {
    Connection open() throws SQLException;
  }

  private final StoreErrors errors;
  private final SqlStatements sql;
  private final Opener opener;
  private final int size;
  private final Semaphore permits;
  private final ConcurrentLinkedQueue<StatementCache> idle = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  public ReadPool(StoreErrors errors, SqlStatements sql, Opener opener, int size) {
    this.errors = errors;
    this.sql = sql;
    this.opener = opener;
    this.size = size;
    this.permits = new Semaphore(size);
  }

  public <T> T read(String what, Work<T> work) {
    if (closed) {
      throw errors.closed();
    }
    permits.acquireUninterruptibly();
    StatementCache borrowed = null;
    try {
      borrowed = idle.poll();
      if (borrowed == null) {
        borrowed = open();
      }
      T result = work.run(borrowed);
      idle.add(borrowed);
      borrowed = null;
      return result;
    } catch (SQLException e) {
      throw errors.failed(what, e);
    } finally {
      if (borrowed != null) {
        closeQuietly(borrowed);
      }
      permits.release();
    }
  }

  private StatementCache open() throws SQLException {
    Connection connection = opener.open();
    StatementCache statements = new StatementCache(connection, sql);
    try {
      // A reader must never write; query_only makes a bug here an error instead of a second writer.
      statements.get("query_only").execute();
    } catch (SQLException e) {
      closeQuietly(statements);
      throw e;
    }
    return statements;
  }

  private static void closeQuietly(StatementCache statements) {
    try {
      statements.close();
    } catch (SQLException ignored) {
      // The connection is being dropped because it failed; its close error adds nothing.
    }
  }

  /** Waits (a few seconds at most) for reads in flight, then closes every connection. */
  @Override
  public void close() {
    closed = true;
    boolean drained;
    try {
      drained = permits.tryAcquire(size, 5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      drained = false;
    }
    SQLException failure = null;
    for (StatementCache statements; (statements = idle.poll()) != null; ) {
      try {
        statements.close();
      } catch (SQLException e) {
        failure = failure == null ? e : failure;
      }
    }
    if (drained) {
      permits.release(size);
    }
    if (failure != null) {
      throw errors.failed("close readers", failure);
    }
  }
}
