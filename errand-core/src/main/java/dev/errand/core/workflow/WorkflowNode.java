package dev.errand.core.workflow;

import dev.errand.core.TaskSpec;
import java.util.List;
import java.util.Objects;

/** One named task of a workflow and the nodes it depends on, in the order its parents are read. */
public record WorkflowNode(String name, TaskSpec task, List<Dependency> dependsOn) {
  public WorkflowNode {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(task, "task");
    dependsOn = List.copyOf(dependsOn);
  }
}
