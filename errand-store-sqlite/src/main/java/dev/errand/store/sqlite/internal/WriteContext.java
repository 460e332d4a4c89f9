package dev.errand.store.sqlite.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What one write request sees inside its group's transaction: the writer's statements, the store's now
 * (read once per request, so a request is consistent with itself), and places to note which queues to
 * wake and what else to do once the transaction has committed. Confined to the writer thread.
 */
public final class WriteContext {
  private final StatementCache statements;
  private final Instant now;
  private final Set<String> wake = new HashSet<>();
  private List<Runnable> afterCommit; // most requests have none: allocated on the first
  private boolean wakeAll;

  WriteContext(StatementCache statements, Instant now) {
    this.statements = statements;
    this.now = now;
  }

  public PreparedStatement statement(String name) throws SQLException {
    return statements.get(name);
  }

  /** The update statement {@code name}, returning the rows it changes. */
  public PreparedStatement statementReturning(String name) throws SQLException {
    return statements.returning(name);
  }

  /**
   * Caps the database at {@code pages} pages (never below its size now) for this connection: for tests
   * that need SQLite to answer as on a full disk. A pragma takes no bound parameter; a number is safe.
   */
  public void maxPageCount(long pages) throws SQLException {
    try (Statement pragma = statements.connection().createStatement()) {
      pragma.execute("PRAGMA max_page_count = " + pages);
    }
  }

  public Instant now() {
    return now;
  }

  /** Wakes waiters on {@code queue} after the commit, if this request's writes are part of it. */
  public void wake(String queue) {
    wake.add(queue);
  }

  /** Wakes every waiter after the commit: for changes whose queues are not known without a read. */
  public void wakeAll() {
    wakeAll = true;
  }

  /**
   * Runs {@code action} on the writer thread once the transaction holding this request's writes has
   * committed, in request order; never if the request fails or the commit does. For in-memory state
   * that must agree with what is on disk.
   */
  public void afterCommit(Runnable action) {
    if (afterCommit == null) {
      afterCommit = new ArrayList<>();
    }
    afterCommit.add(action);
  }

  List<Runnable> afterCommitActions() {
    return afterCommit == null ? List.of() : afterCommit;
  }

  Set<String> wakeQueues() {
    return wake;
  }

  boolean wakesAll() {
    return wakeAll;
  }
}
