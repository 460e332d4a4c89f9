package dev.errand.store.sqlite.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * What one write request sees inside its group's transaction: the writer's statements, the store's now
 * (read once per request, so a request is consistent with itself) and a place to note which queues to
 * wake once the transaction has committed. Confined to the writer thread.
 */
public final class WriteContext {
  private final StatementCache statements;
  private final Instant now;
  private final Set<String> wake = new HashSet<>();
  private boolean wakeAll;

  WriteContext(StatementCache statements, Instant now) {
    this.statements = statements;
    this.now = now;
  }

  public PreparedStatement statement(String name) throws SQLException {
    return statements.get(name);
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

  Set<String> wakeQueues() {
    return wake;
  }

  boolean wakesAll() {
    return wakeAll;
  }
}
