package dev.errand.core.workflow;

import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A workflow as the store holds it: its state and every node's, in the order the nodes were given (the
 * finally-node last). A node whose task was pruned shows with a null state.
 */
public record WorkflowInfo(String id, String idempotencyKey, WorkflowState state, Instant createdAt,
    Instant finishedAt, List<Node> nodes) {
  public WorkflowInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(state, "state");
    nodes = List.copyOf(nodes);
  }

  /** One node: its name, task, the task's type and state, what it waits for, and whether it is the finally-node. */
  public record Node(String name, TaskId taskId, String type, TaskState state, List<Dependency> dependsOn,
      boolean isFinally) {
    public Node {
      dependsOn = List.copyOf(dependsOn);
    }
  }
}
