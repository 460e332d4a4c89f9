package dev.errand.core;

import java.util.List;
import java.util.Objects;

/**
 * A remote worker's report that its run of a task succeeded, fenced by the lease token its claim gave it;
 * one element of {@link Errand#completeMany}.
 *
 * @param result the handler's result, or null for none
 * @param enqueue tasks to enqueue with this success, in the same store write and under the same lease
 *     (see {@link TaskContext#enqueueOnSuccess}); none is written if the lease is stale
 */
public record WorkerCompletion(TaskId id, String leaseToken, Json result, List<TaskSpec> enqueue) {
  public WorkerCompletion {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(leaseToken, "leaseToken");
    enqueue = List.copyOf(enqueue);
  }

  /** A success with no follow-up tasks. */
  public WorkerCompletion(TaskId id, String leaseToken, Json result) {
    this(id, leaseToken, result, List.of());
  }
}
