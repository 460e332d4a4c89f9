package dev.errand.core.workflow;

import dev.errand.core.TaskId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A workflow as enqueued: its id and each node's task id by name. {@code created} is false when its
 * idempotency key was already held by an equal workflow, which is the one returned.
 */
public record EnqueuedWorkflow(String id, Map<String, TaskId> nodes, boolean created) {
  public EnqueuedWorkflow {
    Objects.requireNonNull(id, "id");
    nodes = Collections.unmodifiableMap(new LinkedHashMap<>(nodes)); // in the order given
  }
}
