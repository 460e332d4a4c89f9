package dev.errand.core;

/** What one {@link WorkerCompletion} of a batch came to. Only {@link #COMPLETED} changed anything. */
public enum CompletionStatus {
  /** The task is SUCCEEDED with the worker's result. */
  COMPLETED,
  /** The token is no longer the task's lease (it ran out, or the task was cancelled or finished). */
  STALE_LEASE,
  /** No task has this id. */
  NOT_FOUND
}
