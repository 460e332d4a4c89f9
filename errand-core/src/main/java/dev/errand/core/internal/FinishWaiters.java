package dev.errand.core.internal;

import dev.errand.core.ErrandListener;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskNotFoundException;
import dev.errand.core.spi.TaskStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Callers waiting for tasks to finish (SUCCEEDED, DEAD or CANCELLED), completed from this process's
 * completion events: one shared mechanism for any number of waiters, holding no thread per waiter and
 * reading the store only when something happens. A waiter subscribes before it reads the task, so a
 * finish between the two cannot be missed.
 *
 * <p>What wakes waiters of a task: this process finishing it (the listener calls, fed by the worker
 * runtime, the lease sweep, cancels and the remote worker protocol), after which the task is read once
 * for all its waiters; a recheck every {@link #RECHECK} of every waited task, one read per task however
 * many wait on it, which catches a finish on another node sharing the store; and each waiter's deadline,
 * answered with the task as it is then. One daemon timer thread schedules; store reads run on virtual
 * threads, never on the timer or on a listener's caller.
 *
 * <p>Thread-safe. Internal: not public API.
 */
public final class FinishWaiters implements ErrandListener {
  /** How often waited tasks are read again, for finishes this process does not hear of (other nodes). */
  public static final Duration RECHECK = Duration.ofSeconds(5);
  private static final Logger log = LoggerFactory.getLogger(FinishWaiters.class);

  private final TaskStore store;
  private final String name;
  private final Map<TaskId, Set<CompletableFuture<Task>>> waiting = new ConcurrentHashMap<>();
  /** Made at the first wait, so that an Errand nobody waits on has no timer thread. */
  private volatile ScheduledThreadPoolExecutor timer;
  private volatile boolean closed;

  public FinishWaiters(TaskStore store, String name) {
    this.store = store;
    this.name = name;
  }

  private ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor t = timer;
    if (t == null) {
      synchronized (this) { // nothing blocks in here
        if (closed) {
          throw new IllegalStateException(name + " is closed");
        }
        t = timer;
        if (t == null) {
          t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "errand-finish-waiters");
            thread.setDaemon(true);
            return thread;
          });
          t.setRemoveOnCancelPolicy(true);
          t.scheduleWithFixedDelay(this::recheck, RECHECK.toMillis(), RECHECK.toMillis(), TimeUnit.MILLISECONDS);
          timer = t;
        }
      }
    }
    return t;
  }

  /**
   * The task once it has finished, or as it is at {@code timeout} if it has not; completes at once if it
   * is finished now. Reads the store once now (on the caller's thread).
   *
   * @throws TaskNotFoundException if no task has this id (thrown, not in the future)
   */
  public CompletableFuture<Task> await(TaskId id, Duration timeout) {
    CompletableFuture<Task> future = new CompletableFuture<>();
    waiting.compute(id, (k, set) -> {
      Set<CompletableFuture<Task>> s = set != null ? set : ConcurrentHashMap.newKeySet();
      s.add(future);
      return s;
    });
    future.whenComplete((t, e) -> unsubscribe(id, future));
    Optional<Task> now;
    try {
      now = store.get(id);
    } catch (RuntimeException e) {
      future.cancel(false);
      throw e;
    }
    if (now.isEmpty()) {
      future.cancel(false);
      throw new TaskNotFoundException(id);
    }
    if (now.get().state().isFinal() || timeout.isZero() || timeout.isNegative()) {
      future.complete(now.get());
      return future;
    }
    var deadline = timer().schedule(() -> Thread.ofVirtual().start(() -> readInto(id, List.of(future), true)),
        timeout.toNanos(), TimeUnit.NANOSECONDS);
    future.whenComplete((t, e) -> deadline.cancel(false));
    return future;
  }

  private void unsubscribe(TaskId id, CompletableFuture<Task> future) {
    waiting.computeIfPresent(id, (k, set) -> {
      set.remove(future);
      return set.isEmpty() ? null : set;
    });
  }

  /** How many callers wait now, for tests and metrics. */
  public int waiters() {
    return waiting.values().stream().mapToInt(Set::size).sum();
  }

  /** Heard that this process finished task {@code id} (or may have): its waiters get it, read once. */
  public void finished(TaskId id) {
    Set<CompletableFuture<Task>> set = waiting.get(id);
    if (set != null && !set.isEmpty()) {
      Thread.ofVirtual().start(() -> readInto(id, List.copyOf(set), false));
    }
  }

  /**
   * Reads the task and completes {@code futures} with it if it has finished, or in any case when
   * {@code atDeadline}. A store that fails leaves the futures waiting (a later event, recheck or their
   * deadline tries again), except at a deadline, where the failure is the answer.
   */
  private void readInto(TaskId id, List<CompletableFuture<Task>> futures, boolean atDeadline) {
    try {
      Optional<Task> task = store.get(id);
      if (task.isEmpty()) { // pruned or purged meanwhile
        futures.forEach(f -> f.completeExceptionally(new TaskNotFoundException(id)));
      } else if (atDeadline || task.get().state().isFinal()) {
        futures.forEach(f -> f.complete(task.get()));
      }
    } catch (RuntimeException e) {
      if (atDeadline) {
        futures.forEach(f -> f.completeExceptionally(e));
      }
    }
  }

  private void recheck() {
    if (waiting.isEmpty()) {
      return;
    }
    List<TaskId> ids = List.copyOf(waiting.keySet());
    Thread.ofVirtual().name("errand-finish-recheck").start(() -> {
      for (TaskId id : ids) {
        Set<CompletableFuture<Task>> set = waiting.get(id);
        if (set != null && !set.isEmpty()) {
          readInto(id, List.copyOf(set), false);
        }
      }
    });
  }

  /** Answers every waiter with the task as it is now (or the failure to read it) and stops the timer. */
  public void close() {
    synchronized (this) {
      closed = true;
      if (timer != null) {
        timer.shutdownNow();
      }
    }
    for (TaskId id : List.copyOf(waiting.keySet())) {
      Set<CompletableFuture<Task>> set = waiting.get(id);
      if (set != null) {
        readInto(id, List.copyOf(set), true);
      }
    }
    if (!waiting.isEmpty()) {
      log.debug("{}: {} waiters left at close", name, waiters());
    }
  }

  @Override
  public void succeeded(Task task, Duration runTime) {
    finished(task.id());
  }

  @Override
  public void dead(Task task, String error) {
    finished(task.id());
  }

  @Override
  public void cancelled(Task task) {
    finished(task.id());
  }
}
