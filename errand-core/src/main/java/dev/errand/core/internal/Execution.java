package dev.errand.core.internal;

import dev.errand.core.Task;
import dev.errand.core.TaskContext;
import dev.errand.core.spi.JdbcTransactionalStore;
import dev.errand.core.spi.LeaseRef;
import dev.errand.core.spi.TaskStore;
import java.sql.Connection;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One run of one claimed task. Its outcome is decided exactly once, by whoever wins the compare-and-set
 * out of {@link State#RUNNING}: the handler returning, the timeout firing, the heartbeat finding the
 * lease lost, or shutdown releasing it. The winner releases the queue slot; losers change nothing.
 */
final class Execution implements TaskContext {
  enum State { RUNNING, SETTLED, LOST }

  final Task task;
  final LeaseRef lease;
  final Slots slots;
  final long startNanos = System.nanoTime();
  private final TaskStore store;
  private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
  volatile Thread thread;
  volatile ScheduledFuture<?> timeout;
  private Connection connection;

  Execution(Task task, Slots slots, TaskStore store) {
    this.task = task;
    this.lease = new LeaseRef(task.id(), task.lease().token());
    this.slots = slots;
    this.store = store;
  }

  /** Decides this run's outcome if nobody has; the caller that gets true owns the slot's release. */
  boolean decide(State outcome) {
    if (state.compareAndSet(State.RUNNING, outcome)) {
      slots.release();
      ScheduledFuture<?> t = timeout;
      if (t != null) {
        t.cancel(false);
      }
      return true;
    }
    return false;
  }

  boolean isRunning() {
    return state.get() == State.RUNNING;
  }

  void interrupt() {
    Thread t = thread;
    if (t != null && t != Thread.currentThread()) {
      t.interrupt();
    }
  }

  @Override
  public Task task() {
    return task;
  }

  @Override
  public Connection connection() {
    if (thread != Thread.currentThread()) {
      throw new IllegalStateException("connection() is for the handler's own thread, during the handler call");
    }
    if (!(store instanceof JdbcTransactionalStore jdbc)) {
      throw new UnsupportedOperationException("store " + store.name() + " cannot join a JDBC transaction");
    }
    if (connection == null) {
      connection = jdbc.openTransaction();
    }
    return connection;
  }

  /** The connection the handler opened, or null; only the handler's thread reads it. */
  Connection openedConnection() {
    return connection;
  }
}
