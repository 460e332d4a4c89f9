package dev.errand.store.sqlite.internal;

import dev.errand.core.ErrandException;
import dev.errand.core.StoreUnavailableException;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's only writer: one platform thread that owns the write connection. Callers hand it requests
 * and block until their request has committed. The thread takes every request waiting, runs them all in
 * one transaction, each inside its own savepoint, commits once (one fsync) and then answers each caller,
 * so concurrent producers and workers share fsyncs instead of queueing for one each.
 *
 * <p>Why a thread and not a lock-holding leader: SQLite calls are native, and a virtual thread in native
 * code pins its carrier, so a leader doing an fsync would take one of the few carriers from every other
 * virtual thread. Here callers park cheaply and only the writer thread blocks in SQLite; the connection
 * and its prepared statements never need a lock because one thread uses them.
 *
 * <p>A group of requests that need no fsync (claims and lease extensions, see
 * {@link #submitUnsynced}) commits with {@code synchronous=NORMAL}: the commit reaches the operating
 * system, which keeps it through a crash of this process, but not through a power cut until the next
 * synced commit, which syncs the whole WAL before it. A group holding any other request syncs.
 *
 * <p>A request that fails is rolled back to its savepoint and answered with its error; the rest of its
 * group commits. If SQLite has dropped the whole transaction (it does after some I/O errors), the failing
 * request is answered and the others run again in a new transaction. A failed commit fails every request
 * in the group: none is reported done unless it is on disk.
 */
public final class GroupCommitWriter implements AutoCloseable {
  /** One request's work, run on the writer thread inside the group's transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run(WriteContext tx) throws SQLException;
  }

  private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final Request<Void> STOP = new Request<>("stop", tx -> null, true);

  private final StoreErrors errors;
  private final StatementCache statements;
  private final Clock clock;
  private final WorkSignal signal;
  private final int maxGroupSize;
  private final LinkedBlockingQueue<Request<?>> queue = new LinkedBlockingQueue<>();
  private final ReentrantLock submitLock = new ReentrantLock();
  private final Thread thread;
  private boolean closed; // guarded by submitLock
  private boolean syncing = true; // the writer thread's: whether commits are synced now (the connection opens so)
  // Why writes failed (full disk, I/O error), until a probe commits.
  private volatile ErrandException writeFailure;

  public GroupCommitWriter(StoreErrors errors, StatementCache statements, Clock clock, WorkSignal signal,
      int maxGroupSize) {
    this.errors = errors;
    this.statements = statements;
    this.clock = clock;
    this.signal = signal;
    this.maxGroupSize = maxGroupSize;
    this.thread = Thread.ofPlatform().name("errand-sqlite-writer").daemon(true).unstarted(this::run);
    thread.start();
  }

  /**
   * Runs {@code work} in the next group and returns its result once the group has committed. Waits
   * without regard to interrupts: a caller that left early could not know whether its write happened.
   */
  public <T> T submit(String what, Work<T> work) {
    return submit(new Request<>(what, work, true));
  }

  /**
   * As {@link #submit}, but the commit need not be synced to disk before this request is answered:
   * for writes whose loss in a power cut only repeats work that is already at least once (a claim
   * undone makes the task claimable again; a lease extension undone lets the lease run out sooner).
   * In a process crash they are kept like any other.
   */
  public <T> T submitUnsynced(String what, Work<T> work) {
    return submit(new Request<>(what, work, false));
  }

  private <T> T submit(Request<T> request) {
    submitLock.lock();
    try {
      if (closed) {
        throw errors.closed();
      }
      queue.add(request);
    } finally {
      submitLock.unlock();
    }
    return request.await();
  }

  public boolean isRunning() {
    return thread.isAlive();
  }

  /**
   * Why writes fail, or null: set when SQLite could not write at all (a full disk, an I/O error, a
   * damaged file) rather than refused one request, and cleared only when a {@link #probe} commits. Not
   * by any other commit: a write that needs no new page (a claim, a prune with nothing to delete)
   * succeeds on a full disk.
   */
  public ErrandException writeFailure() {
    return writeFailure;
  }

  /**
   * A write that takes a new page and gives it back, committed like any other; throws as a write into a
   * full database would, and clears {@link #writeFailure} once it commits.
   */
  public void probe() {
    submit("write probe", tx -> {
      tx.statement("write_probe_create").execute();
      tx.statement("write_probe_drop").execute();
      tx.afterCommit(() -> writeFailure = null);
      return null;
    });
  }

  private void run() {
    List<Request<?>> group = new ArrayList<>();
    try {
      boolean stop = false;
      while (!stop) {
        group.add(queue.take());
        queue.drainTo(group, maxGroupSize - 1);
        // Requests before the stop marker were submitted before close and are answered normally.
        stop = group.remove(STOP);
        List<Request<?>> pending = group;
        while (!pending.isEmpty()) {
          pending = runOnce(pending);
        }
        group = new ArrayList<>();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      LOG.error("{}: writer thread failed", errors.store(), e);
      failAll(group, e);
      throw e;
    } finally {
      submitLock.lock();
      try {
        closed = true;
      } finally {
        submitLock.unlock();
      }
      List<Request<?>> left = new ArrayList<>();
      queue.drainTo(left);
      left.remove(STOP);
      failAll(left, errors.closed());
    }
  }

  /** Runs one transaction over {@code group}; returns the requests to run again in a new one. */
  private List<Request<?>> runOnce(List<Request<?>> group) {
    try {
      syncCommits(group.stream().anyMatch(r -> r.synced));
      statements.get("tx_begin").execute();
    } catch (SQLException e) {
      statements.reset();
      rollbackQuietly();
      failAll(group, failed("begin", e));
      return List.of();
    }
    List<Request<?>> applied = new ArrayList<>(group.size());
    for (int i = 0; i < group.size(); i++) {
      Request<?> request = group.get(i);
      try {
        statements.get("savepoint_begin").execute();
        request.run(new WriteContext(statements, clock.instant()));
        statements.get("savepoint_release").execute();
        applied.add(request);
      } catch (SQLException | RuntimeException e) {
        RuntimeException failure;
        if (e instanceof SQLException sql) {
          statements.reset();
          failure = failed(request.what, sql);
        } else {
          failure = (RuntimeException) e;
        }
        if (rollbackToSavepoint()) {
          request.fail(failure);
          continue;
        }
        // The transaction is gone, and with it the work of every request applied so far.
        LOG.warn("{}: transaction lost after {} failed; running the rest of its group again", errors.store(),
            request.what, e);
        rollbackQuietly();
        request.fail(failure);
        List<Request<?>> again = new ArrayList<>(applied);
        again.addAll(group.subList(i + 1, group.size()));
        return again;
      }
    }
    try {
      statements.get("tx_commit").execute();
    } catch (SQLException e) {
      statements.reset();
      rollbackQuietly();
      failAll(applied, failed("commit", e));
      return List.of();
    }
    for (Request<?> request : applied) {
      request.context.afterCommitActions().forEach(Runnable::run);
    }
    Set<String> wake = new HashSet<>();
    boolean wakeAll = false;
    for (Request<?> request : applied) {
      wake.addAll(request.context.wakeQueues());
      wakeAll |= request.context.wakesAll();
    }
    signal.signal(wake, wakeAll);
    for (Request<?> request : applied) {
      request.succeed();
    }
    return List.of();
  }

  /** Sets whether the next commit is synced; a pragma only when that changes. */
  private void syncCommits(boolean synced) throws SQLException {
    if (synced != syncing) {
      statements.get(synced ? "sync_full" : "sync_normal").execute();
      syncing = synced;
    }
  }

  /** The exception for a failed step; a failure of the store itself (not of one request) is remembered. */
  private ErrandException failed(String what, SQLException e) {
    ErrandException failure = errors.failed(what, e);
    if (StoreErrors.isStoreFailure(e) || what.equals("begin") || what.equals("commit")) {
      if (writeFailure == null) {
        LOG.warn("{}: writes fail until there is room or the fault clears: {}", errors.store(), failure.getMessage());
      }
      writeFailure = failure;
    }
    return failure;
  }

  private boolean rollbackToSavepoint() {
    try {
      statements.get("savepoint_rollback").execute();
      statements.get("savepoint_release").execute();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  private void rollbackQuietly() {
    try {
      statements.get("tx_rollback").execute();
    } catch (SQLException ignored) {
      // No transaction left to roll back: SQLite ended it already.
    }
  }

  private static void failAll(List<Request<?>> requests, Throwable failure) {
    for (Request<?> request : requests) {
      request.fail(failure);
    }
  }

  /**
   * Stops taking requests, answers every request submitted before, waits for the thread, and closes the
   * write connection.
   */
  @Override
  public void close() {
    submitLock.lock();
    try {
      if (!closed) {
        closed = true;
        queue.add(STOP);
      }
    } finally {
      submitLock.unlock();
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    try {
      statements.close();
    } catch (SQLException e) {
      throw errors.failed("close", e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static final class Request<T> {
    private final String what;
    private final Work<T> work;
    private final boolean synced;
    private final CompletableFuture<T> answer = new CompletableFuture<>();
    private WriteContext context;
    private T result;

    Request(String what, Work<T> work, boolean synced) {
      this.what = what;
      this.work = work;
      this.synced = synced;
    }

    void run(WriteContext context) throws SQLException {
      this.context = context;
      this.result = work.run(context);
    }

    void succeed() {
      answer.complete(result);
    }

    void fail(Throwable failure) {
      answer.completeExceptionally(failure);
    }

    T await() {
      try {
        return answer.join();
      } catch (CompletionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof StoreUnavailableException unavailable) {
          // A new exception per caller: one failed commit answers many callers with the same failure,
          // and each should see its own stack, not share (and add to) one instance across threads.
          throw new StoreUnavailableException(unavailable.getMessage(), unavailable);
        }
        if (cause instanceof RuntimeException runtime) {
          throw runtime;
        }
        if (cause instanceof Error error) {
          throw error;
        }
        throw new ErrandException("write failed", cause);
      }
    }
  }
}
