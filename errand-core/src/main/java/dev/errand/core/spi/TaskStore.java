package dev.errand.core.spi;

import dev.errand.core.AttemptError;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import java.util.List;
import java.util.Optional;

/**
 * Where tasks live: the one SPI every backend implements, covering the delivery contract and the queue
 * flags every node must share, and nothing more. Retry arithmetic, cron, JSON and dispatch stay in core.
 * Every method takes one request and returns one result, batch-shaped, so each call is one round trip.
 *
 * <p>Optional powers are separate small interfaces that a store may also implement, found through
 * {@link #capability}, never by a type test: joining the caller's JDBC transaction
 * ({@link JdbcTransactionalStore}), stored schedules ({@link ScheduleStore}), cluster-wide flow limits
 * ({@link QueueLimitStore}) and a native wake-up for idle workers ({@link WakeUpStore}). Core asks for the
 * power where it needs it and degrades or refuses when it is missing.
 *
 * <p>Contract, checked by {@code TaskStoreConformanceTest} in core's test kit:
 * <ul>
 *   <li>A call that returned normally is durable. Failures to reach the store throw
 *       {@link dev.errand.core.StoreUnavailableException}; a call that threw may not be reported as done.
 *   <li>Lease times are on the store's clock. Every change to a RUNNING task is fenced by its lease token
 *       in the same statement; a stale token changes nothing and is reported, never silently accepted.
 *   <li>A task whose lease has expired is taken back only by {@link #sweepExpiredLeases}, which records the
 *       lost attempt; claims take only READY and due tasks. Once swept it is claimable again, with
 *       attempt + 1.
 *   <li>A task's timeout caps its leases as {@link AttemptTimeout} says.
 *   <li>No task is held by two leases at once; claims by concurrent callers never overlap.
 * </ul>
 * Implementations are safe for use by many threads.
 */
public interface TaskStore extends AutoCloseable {

  /** A short name for logs and metrics, such as {@code sqlite} or {@code postgres}. */
  String name();

  InsertResult insertMany(InsertRequest request);

  ClaimResult claim(ClaimRequest request);

  ExtendResult extendMany(ExtendRequest request);

  CompleteResult completeMany(CompleteRequest request);

  CancelResult cancel(CancelRequest request);

  /**
   * Takes back leases that ran out on the store's clock, in one atomic statement or transaction per call,
   * each fenced by state and token so that concurrent sweeps (every node runs one) take a lease once.
   * Each swept task gets one error-history entry, as a failed attempt does: "lease expired on worker W",
   * or {@link AttemptTimeout#error} when the lease ended at the task's timeout. It becomes READY (keeping
   * its place in line), RETRYING due now after a timeout, or DEAD with {@code finishedAt} when the lost
   * attempt was its final one. Its lease is cleared, so the old token is stale from then on. Sweeps wake
   * waiters of the queues they make claimable.
   *
   * <p>Deliberately without a default, like {@link #errors}: a store or decorator without it would leave
   * expired tasks RUNNING forever.
   */
  SweepResult sweepExpiredLeases(SweepRequest request);

  Optional<Task> get(TaskId id);

  /**
   * The task's error history, oldest first: one entry per attempt that ended in a retry or in the
   * dead-letter queue, and per lease that ran out (see {@link #sweepExpiredLeases}), written in the same
   * transaction as that outcome, at most {@link AttemptError#KEPT_PER_TASK}, the newest kept. Successful attempts
   * write nothing here. The history outlives a replay and goes with the task when it is pruned or
   * purged. Empty for an unknown id.
   *
   * <p>Deliberately without a default: a decorator that forgot to forward it would show no errors.
   */
  List<AttemptError> errors(TaskId id);

  /**
   * A page of tasks, newest first. Reading it costs the store at most a bounded number of rows past the
   * cursor, whatever the filters and however many tasks the store holds; see {@link TaskPage} for what a
   * short page means.
   */
  TaskPage list(TaskQuery query);

  /**
   * The SCHEDULED and RETRYING tasks in order of their next run (see {@link DueQuery}), read from the
   * front of each queue's index of waiting tasks, so its cost is bounded by the page, not the backlog.
   *
   * <p>Deliberately without a default, like {@link #errors}: every store keeps due times in order for
   * its claims, and a decorator that forgot to forward it would show an operator an empty retry list.
   */
  DuePage listDue(DueQuery query);

  /**
   * Every queue that holds tasks, is paused or has limits; a queue with none of these is left out (see
   * {@link QueueInfo#isIdle}), so a queue once paused or limited, then emptied and freed, vanishes.
   * Cheap on any number of finished tasks: stores count each state through an index of it and may bound the finished states' counts (see
   * {@link QueueInfo}).
   */
  List<QueueInfo> queues();

  void pauseQueue(QueuePauseRequest request);

  /** DEAD tasks back to READY with attempt 0, runnable now; returns how many. */
  int replayDead(DeadFilter filter);

  /**
   * SCHEDULED and RETRYING tasks to READY, runnable now, keeping their attempt and error history;
   * returns how many. Workers waiting on their queues are woken. No default, as for {@link #listDue}.
   */
  int runNow(RunNowRequest request);

  /** Deletes DEAD tasks; returns how many. */
  int purgeDead(DeadFilter filter);

  /** Returns how many tasks were deleted. */
  int prune(PruneRequest request);

  /** Checks the store answers; throws StoreUnavailableException if not. */
  void ping();

  /**
   * This store's optional power {@code type}, or empty if it has none. The default answers with the
   * store itself when it implements {@code type}. A decorator (metrics, fault injection) overrides it to
   * answer with its own wrapper for the powers it decorates and to forward every other lookup to the
   * store it wraps, so that wrapping never hides a power.
   */
  default <T> Optional<T> capability(Class<T> type) {
    return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
  }

  @Override
  void close();
}
