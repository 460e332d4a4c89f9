package dev.errand.core.spi;

import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.workflow.OnFailure;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The rule that moves a workflow on, kept once here and run by each SQL {@link WorkflowStore} inside the
 * transaction of the write that made tasks final, through that store's {@link Writes}. The Redis store,
 * whose writes are Lua scripts, runs the same rule written in Lua inside the script of that write; core's
 * {@code WorkflowConformanceTest} holds every store to it.
 *
 * <p>For the tasks just made final: close their nodes (a node closes once, so a task that ends again
 * after a replay does nothing); resolve the pending edges leaving the closed nodes (each once); a resolved
 * edge whose parent SUCCEEDED, or whose policy is {@link OnFailure#CONTINUE}, takes one off its
 * dependant's join counter (the decrement that reaches zero makes it runnable), any other cancels the
 * WAITING dependant with the reason; the cancelled dependants are final in turn, and the same is done for
 * them. Each closed node counts off its workflow's open nodes (the finally-node aside); a workflow that
 * reaches zero ends, and its finally-node is released.
 */
public final class WorkflowResolver {
  private WorkflowResolver() {}

  /** The store's side of the rule, in SQL; every call runs in the transaction of the write that called {@link #finished}. */
  public interface Writes {
    /**
     * Closes the nodes of {@code succeeded} and {@code failed} (tasks that are no node are ignored) and
     * returns, per workflow, how many closed and how many of those belong to {@code failed}, the
     * finally-node aside (its end counts towards nothing). Each task given was made final by the calling
     * write, a fenced transition that happens once per run of the task, so a store may close a node by that
     * end alone, with no write of its own (SQLite and PostgreSQL do, since migration 12); it must then skip
     * a node its task's end no longer closes (one replayed while its workflow was cancelled).
     */
    Map<String, Closed> closeNodes(Collection<TaskId> succeeded, Collection<TaskId> failed) throws SQLException;

    /**
     * Resolves the pending edges leaving {@code parents}, tasks that succeeded now, each once, and returns
     * their dependants, each with the number of those edges into it (a chord's batch: its callback, once).
     * A store may mark the edges, or count an edge resolved once its parent is final (SQLite and
     * PostgreSQL, since migration 12), since a task's end closes its node once; the edges of a node whose
     * end closes nothing must then be marked resolved already.
     */
    Map<TaskId, Integer> resolveEdgesOfSuccesses(Collection<TaskId> parents) throws SQLException;

    /** As {@link #resolveEdgesOfSuccesses}, for {@code parents} that did not succeed: each edge with its policy. */
    List<ResolvedEdge> resolveEdges(Collection<TaskId> parents) throws SQLException;

    /** Takes one off the join counter of each WAITING task listed, once per listing (as a follow-up decrement). */
    void decrementJoins(List<TaskId> tasks) throws SQLException;

    /** Cancels the listed tasks that are WAITING, each with its reason as last error; returns those cancelled. */
    List<TaskId> cancelWaiting(Map<TaskId, String> reasons) throws SQLException;

    /**
     * Counts closed nodes off each workflow's open nodes, and those of them that did not succeed onto its
     * failed nodes (migration 11); a workflow that reaches zero open ends now (CANCELLED if it was
     * cancelled, FAILED if any node but the finally-node did not succeed, else SUCCEEDED). Returns the
     * finally-nodes of the workflows that ended.
     */
    List<TaskId> closeWorkflows(Map<String, Closed> closed) throws SQLException;
  }

  /** Of a workflow's nodes closed by one step: how many, and how many of them did not succeed. */
  public record Closed(int nodes, int failed) {}

  /**
   * The store's side of {@link #replayed}: reads of edges, and the one write that reopens. Every call
   * runs in the transaction of the replay.
   */
  public interface Revivals {
    /** Of {@code tasks}, the closed nodes of workflows that were not cancelled (the finally-node aside). */
    List<TaskId> closedNodes(Collection<TaskId> tasks) throws SQLException;

    /** Every edge leaving {@code parents}; those leaving a task just replayed are resolved (its end resolved them). */
    List<Edge> edgesFrom(Collection<TaskId> parents) throws SQLException;

    /** Every edge entering {@code children}. */
    List<Edge> edgesInto(Collection<TaskId> children) throws SQLException;

    /**
     * Reopens {@code nodes} (each open again, and counted back onto its workflow's open nodes and off its
     * failed ones; an ended workflow runs again, its finally-node WAITING again unless it is running), makes
     * the edges between them pending again, and puts each of {@code revived} back to WAITING with as
     * many joins pending as it has pending edges.
     */
    void reopen(Collection<TaskId> nodes, Collection<TaskId> revived) throws SQLException;
  }

  /** An edge with what its ends came to: the parent's state, the child's state and last error. */
  public record Edge(TaskId parent, TaskId child, OnFailure onFailure, boolean resolved, TaskState parentState,
      TaskState childState, String childError) {}

  /** An edge resolved now. */
  public record ResolvedEdge(TaskId parent, TaskId child, OnFailure onFailure) {}

  /**
   * Moves on the workflows of {@code finished}, tasks made final by the calling write, with the final
   * state each was left in. Does nothing for tasks that are no workflow node.
   */
  public static void finished(Writes writes, Map<TaskId, TaskState> finished) throws SQLException {
    Map<TaskId, TaskState> frontier = finished;
    while (!frontier.isEmpty()) {
      // Successes and the rest apart: what a success releases does not depend on the edge's policy, so
      // the store can answer for a batch of them in a few rows (a chord's batch: its callback, once).
      List<TaskId> succeeded = new ArrayList<>();
      List<TaskId> failed = new ArrayList<>();
      frontier.forEach((id, state) -> (state == TaskState.SUCCEEDED ? succeeded : failed).add(id));
      succeeded.sort(ID_ORDER);
      failed.sort(ID_ORDER);
      Map<String, Closed> perWorkflow = new TreeMap<>(writes.closeNodes(succeeded, failed));
      if (perWorkflow.isEmpty()) {
        return; // no node (but maybe finally-nodes) closed: no edge leaves them
      }
      List<TaskId> decrements = new ArrayList<>();
      if (!succeeded.isEmpty()) {
        writes.resolveEdgesOfSuccesses(succeeded)
            .forEach((child, edges) -> decrements.addAll(Collections.nCopies(edges, child)));
      }
      Map<TaskId, String> cancels = new TreeMap<>();
      for (ResolvedEdge e : failed.isEmpty() ? List.<ResolvedEdge>of() : writes.resolveEdges(failed)) {
        if (e.onFailure() == OnFailure.CONTINUE) {
          decrements.add(e.child());
        } else {
          cancels.putIfAbsent(e.child(), cancelReason(e.parent()) + frontier.get(e.parent()));
        }
      }
      decrements.sort(null);
      if (!cancels.isEmpty()) {
        frontier = new LinkedHashMap<>();
        for (TaskId id : writes.cancelWaiting(cancels)) {
          frontier.put(id, TaskState.CANCELLED);
        }
      } else {
        frontier = Map.of();
      }
      if (!decrements.isEmpty()) {
        writes.decrementJoins(decrements);
      }
      List<TaskId> finallyNodes = writes.closeWorkflows(perWorkflow);
      if (!finallyNodes.isEmpty()) {
        writes.decrementJoins(sorted(finallyNodes));
      }
    }
  }

  /** How the reason a dependant was cancelled for begins: a dependency that failed, then the parent's id. */
  private static final String DEPENDENCY_FAILED = "dependency ";

  private static String cancelReason(TaskId parent) {
    return DEPENDENCY_FAILED + parent + " ended ";
  }

  /**
   * Reopens the workflow nodes among {@code replayed}, tasks the calling write took from DEAD back to
   * runnable, and revives the dependants that were cancelled because of them: each such node is open
   * again, and each dependant a failed dependency cancelled (its last error says so; not one cancelled by
   * hand or with its workflow) whose edge from a revived node says {@code fail}, down the graph, goes back
   * to WAITING for the edges from the revived nodes, which are pending again. A dependant that a parent
   * outside the revived set still fails with the {@code fail} policy stays cancelled, and so do the
   * dependants cancelled because of it. The workflow runs again if it had ended. Nodes of a cancelled
   * workflow are left closed.
   */
  public static void replayed(Revivals revivals, Collection<TaskId> replayed) throws SQLException {
    if (replayed.isEmpty()) {
      return;
    }
    List<TaskId> roots = revivals.closedNodes(sorted(replayed));
    if (roots.isEmpty()) {
      return;
    }
    Set<TaskId> revived = new HashSet<>(roots);
    Set<TaskId> dependants = new HashSet<>();
    Collection<TaskId> frontier = roots;
    while (!frontier.isEmpty()) {
      List<TaskId> next = new ArrayList<>();
      for (Edge e : revivals.edgesFrom(sorted(frontier))) {
        if (e.resolved() && e.onFailure() == OnFailure.FAIL && e.childState() == TaskState.CANCELLED
            && e.childError() != null && e.childError().startsWith(DEPENDENCY_FAILED)
            && revived.add(e.child())) {
          dependants.add(e.child());
          next.add(e.child());
        }
      }
      frontier = next;
    }
    if (!dependants.isEmpty()) {
      List<Edge> into = revivals.edgesInto(sorted(dependants));
      boolean removed = true;
      while (removed) {
        removed = false;
        for (Edge e : into) {
          if (revived.contains(e.child()) && !revived.contains(e.parent()) && e.onFailure() == OnFailure.FAIL
              && e.parentState() != null && e.parentState().isFinal() && e.parentState() != TaskState.SUCCEEDED) {
            revived.remove(e.child());
            dependants.remove(e.child());
            removed = true;
          }
        }
      }
    }
    revivals.reopen(sorted(revived), sorted(dependants));
  }

  /** The tasks a batch of completions made final: the first applied completion of each id that succeeded or died. */
  public static Map<TaskId, TaskState> finalStates(CompleteRequest request, CompleteResult result) {
    Set<TaskId> stale = new HashSet<>(result.stale());
    Map<TaskId, TaskState> finished = new LinkedHashMap<>();
    Set<TaskId> seen = new HashSet<>();
    for (Completion c : request.completions()) {
      if (seen.add(c.id()) && !stale.contains(c.id())) {
        switch (c.outcome()) {
          case Completion.Succeeded s -> finished.put(c.id(), TaskState.SUCCEEDED);
          case Completion.Dead d -> finished.put(c.id(), TaskState.DEAD);
          default -> { }
        }
      }
    }
    return finished;
  }

  /** The tasks a sweep killed. */
  public static Map<TaskId, TaskState> finalStates(SweepResult result) {
    Map<TaskId, TaskState> finished = new LinkedHashMap<>();
    for (SweepResult.Swept s : result.swept()) {
      if (s.state() == TaskState.DEAD) {
        finished.put(s.task().id(), TaskState.DEAD);
      }
    }
    return finished;
  }

  /** The task a cancel ended, if it did. */
  public static Map<TaskId, TaskState> finalStates(CancelResult result) {
    return result.status() == CancelResult.Status.CANCELLED
        ? Map.of(result.task().id(), TaskState.CANCELLED) : Map.of();
  }

  private static final Comparator<TaskId> ID_ORDER = Comparator.comparing(TaskId::value);

  private static List<TaskId> sorted(Collection<TaskId> ids) {
    List<TaskId> out = new ArrayList<>(ids);
    out.sort(ID_ORDER);
    return out;
  }
}
