package dev.errand.core.spi;

import dev.errand.core.TaskId;
import dev.errand.core.workflow.ParentResult;
import dev.errand.core.workflow.WorkflowInfo;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An optional power of a {@link TaskStore}, found through {@link TaskStore#capability}: workflows, graphs
 * of tasks whose dependencies are released by the completions that satisfy them, in the same write.
 *
 * <p>Contract, checked by {@code WorkflowConformanceTest} in core's test kit:
 * <ul>
 *   <li>A workflow is written whole or not at all: its tasks, one node row per task and one edge row per
 *       dependency.
 *   <li>Every write that brings a workflow node to a final state (a completion, a sweep that kills, a
 *       cancel) runs {@link WorkflowResolver} in the same transaction. Each edge is resolved once, by the
 *       first write that finds its parent final, so a parent that runs again releases nothing twice, and
 *       each node counts once towards its workflow's end. A store may run the step of successes in its
 *       completion statement itself (PostgreSQL does, so a batch stays one round trip); it must then do
 *       what the resolver would, which the conformance suite checks.
 *   <li>A replay from the dead-letter queue runs {@link WorkflowResolver#replayed} in its transaction:
 *       the replayed node opens again, the dependants its death cancelled wait again, and an ended
 *       workflow runs again.
 *   <li>Tasks of a RUNNING workflow are never pruned; once it ends they follow the normal retention.
 * </ul>
 */
public interface WorkflowStore {
  WorkflowInsertResult insertWorkflow(WorkflowInsert insert);

  /**
   * Inserts with the caller's connection: the workflow exists if and only if the caller commits.
   *
   * @throws UnsupportedOperationException if the store is not in a JDBC database
   */
  default WorkflowInsertResult insertWorkflow(Connection connection, WorkflowInsert insert) {
    throw new UnsupportedOperationException("this store cannot write a workflow in a JDBC transaction");
  }

  Optional<WorkflowInfo> workflow(String id);

  /**
   * Cancels every node of a RUNNING workflow that has not started (WAITING, SCHEDULED, READY, RETRYING;
   * not the finally-node) and marks the workflow to end CANCELLED once its running nodes are done. A
   * workflow that has ended is left as it is. Returns the workflow afterwards, empty if unknown.
   */
  Optional<WorkflowInfo> cancelWorkflow(String id);

  /**
   * Each task's parents in the order of its dependencies; a finally-node's are every other node of its
   * workflow, in the order given. Tasks with none (or no workflow) are left out.
   */
  Map<TaskId, List<ParentResult>> parents(List<TaskId> tasks);
}
