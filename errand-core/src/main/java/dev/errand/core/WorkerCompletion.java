package dev.errand.core;

import java.util.Objects;

/**
 * A remote worker's report that its run of a task succeeded, fenced by the lease token its claim gave it;
 * one element of {@link Errand#completeMany}.
 *
 * @param result the handler's result, or null for none
 */
public record WorkerCompletion(TaskId id, String leaseToken, Json result) {
  public WorkerCompletion {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(leaseToken, "leaseToken");
  }
}
