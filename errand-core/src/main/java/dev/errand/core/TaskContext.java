package dev.errand.core;

import dev.errand.core.workflow.ParentResult;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a handler knows about the run it is in. Valid only during the handler call, on its thread.
 */
public interface TaskContext {
  /** The task as claimed: RUNNING, with this run's lease and attempt number. */
  Task task();

  default TaskId id() {
    return task().id();
  }

  /** 1 on the first try. */
  default int attempt() {
    return task().attempt();
  }

  /** The task's headers, as enqueued. */
  default Map<String, String> headers() {
    return task().headers();
  }

  /**
   * The trace context of this run: a child span of the one the task was enqueued in (its
   * {@code traceparent} header), with a span id of its own; empty if the task carries none.
   */
  default Optional<TraceContext> traceContext() {
    return Optional.empty();
  }

  /** This run's {@code traceparent}, as {@link #traceContext()} gives it, or null. */
  default String traceParent() {
    return traceContext().map(TraceContext::traceParent).orElse(null);
  }

  /** True if a failure now would send the task to the dead-letter queue. */
  default boolean isLastAttempt() {
    return task().attempt() >= task().maxAttempts();
  }

  /**
   * Reports how far this run has come: {@code value} (encoded as JSON with the Errand's mapper, or a
   * {@link Json} as it is) is kept with the task as its {@link Task#progress}, written by the next
   * heartbeat, so it is seen within a heartbeat interval; a later report replaces an earlier one not yet
   * written. Any thread may call it during the run.
   *
   * @throws IllegalArgumentException if the JSON is over {@value Task#MAX_PROGRESS_BYTES} bytes or cannot be encoded
   */
  default void progress(Object value) {
    throw new UnsupportedOperationException("this context cannot report progress");
  }

  /**
   * Enqueues {@code spec} together with this run's success: the task is written in the same store write
   * as the SUCCEEDED state, under the same lease, and only then. If the run fails, times out, is released
   * or loses its lease, the task is never written. The spec is resolved with the same defaults as
   * {@link Errand#enqueue(TaskSpec)}; an idempotency key already held in its queue keeps the task that
   * holds it (no conflict is reported here). Returns the id the task will have, for a later step to name.
   *
   * @throws PayloadTooLargeException if the payload is over the size limit
   */
  TaskId enqueueOnSuccess(TaskSpec spec);

  /**
   * The task's parents in a workflow, in the order of its dependencies (a chord's callback: the group's
   * nodes in order; a finally-task: every other node of its workflow), each with its state, result and
   * last error; read from the store on each call. Empty for a task that depends on nothing, and on a
   * store without workflows.
   */
  default List<ParentResult> parents() {
    return List.of();
  }

  /**
   * A connection to the store's database inside a transaction that commits together with this task's
   * completion: the task is SUCCEEDED if and only if the handler's writes commit. The handler must not
   * commit, roll back or close it. Only stores in a JDBC database offer this.
   *
   * @throws UnsupportedOperationException if the store cannot join a JDBC transaction
   */
  Connection connection();
}
