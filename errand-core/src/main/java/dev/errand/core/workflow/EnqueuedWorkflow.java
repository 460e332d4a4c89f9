package dev.errand.core.workflow;

import java.util.Map;
import java.util.Objects;
import dev.errand.core.TaskId;

/**
 * A workflow as enqueued: its id and each node's task id by name. {@code created} is false when its
 * idempotency key was already held by an equal workflow, which is the one returned.
 */
public record EnqueuedWorkflow(String id, Map<String, TaskId> nodes, boolean created) {
  public EnqueuedWorkflow {
    Objects.requireNonNull(id, "id");
    nodes = Map.copyOf(nodes);
  }
}
