package dev.errand.core.spi;

import dev.errand.core.workflow.Dependency;
import java.util.List;
import java.util.Objects;

/**
 * A whole workflow to write at once: its row, every node's task, node and edges, all or none. Each
 * node's task has a {@link NewTask#joinCount} equal to its number of dependencies (the finally-node's is
 * 1: the workflow's end releases it), so nodes without dependencies are inserted runnable and the others
 * WAITING.
 *
 * @param idempotencyKey null, or a key unique among the workflows the store holds
 * @param fingerprint a digest of the graph, compared by core when a key is repeated
 */
public record WorkflowInsert(String id, String idempotencyKey, String fingerprint, List<Node> nodes) {
  public WorkflowInsert {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(fingerprint, "fingerprint");
    nodes = List.copyOf(nodes);
  }

  /** One node; {@code dependsOn} names nodes of the same insert, in the order the dependant reads them. */
  public record Node(String name, NewTask task, List<Dependency> dependsOn, boolean isFinally) {
    public Node {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(task, "task");
      dependsOn = List.copyOf(dependsOn);
    }
  }
}
