package dev.errand.store.sqlite.internal;

import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.WorkflowInsert;
import dev.errand.core.spi.WorkflowInsertResult;
import dev.errand.core.spi.WorkflowResolver;
import dev.errand.core.workflow.Dependency;
import dev.errand.core.workflow.OnFailure;
import dev.errand.core.workflow.WorkflowState;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The writes of workflows (migration 7): a workflow inserted whole, and {@link WorkflowResolver} run in
 * the transaction of every completion, sweep and cancel that makes tasks final. Confined to the writer
 * thread. Not public API.
 */
public final class WorkflowWrites {
  private final TaskWrites tasks;
  // Whether a workflow may be running; null until asked of the database. While none is, no task that
  // ends can move a workflow on (every attached node of an ended workflow is final but its finally-node,
  // whose end moves nothing), and a drain of plain tasks pays no step per completion. Set at once by an
  // insert or a replay that reopens (a rolled-back one leaves it set: harmless); forgotten only after a
  // commit that ended a workflow, so a rollback cannot leave it wrongly unset. The store's directory lock
  // makes this process the only writer. Confined to the writer thread.
  private Boolean mayHaveRunning;

  public WorkflowWrites(TaskWrites tasks) {
    this.tasks = tasks;
  }

  public WorkflowInsertResult insert(WriteContext tx, WorkflowInsert w) throws SQLException {
    if (w.idempotencyKey() != null) {
      PreparedStatement byKey = tx.statement("workflow_by_key");
      byKey.setString(1, w.idempotencyKey());
      String id = null;
      String fingerprint = null;
      try (ResultSet rs = byKey.executeQuery()) {
        if (rs.next()) {
          id = rs.getString(1);
          fingerprint = rs.getString(2);
        }
      }
      if (id != null) {
        Map<String, TaskId> nodes = new LinkedHashMap<>();
        PreparedStatement list = tx.statement("workflow_node_list");
        list.setString(1, id);
        try (ResultSet rs = list.executeQuery()) {
          while (rs.next()) {
            nodes.put(rs.getString("name"), TaskId.of(rs.getString("task_id")));
          }
        }
        return new WorkflowInsertResult(id, nodes, fingerprint, false);
      }
    }
    long now = Micros.of(tx.now());
    mayHaveRunning = true;
    tasks.insert(tx, w.nodes().stream().map(WorkflowInsert.Node::task).toList());
    Map<String, TaskId> ids = new LinkedHashMap<>();
    w.nodes().forEach(n -> ids.put(n.name(), n.task().id()));
    PreparedStatement node = tx.statement("workflow_node_insert");
    PreparedStatement edge = tx.statement("workflow_edge_insert");
    int open = 0;
    for (int i = 0; i < w.nodes().size(); i++) {
      WorkflowInsert.Node n = w.nodes().get(i);
      open += n.isFinally() ? 0 : 1;
      node.setString(1, n.task().id().value());
      node.setString(2, w.id());
      node.setString(3, n.name());
      node.setInt(4, i);
      node.setInt(5, n.isFinally() ? 1 : 0);
      node.addBatch();
      for (int k = 0; k < n.dependsOn().size(); k++) {
        Dependency d = n.dependsOn().get(k);
        edge.setString(1, n.task().id().value());
        edge.setInt(2, k);
        edge.setString(3, ids.get(d.node()).value());
        edge.setString(4, d.onFailure().wireName());
        edge.addBatch();
      }
    }
    node.executeBatch();
    edge.executeBatch();
    PreparedStatement insert = tx.statement("workflow_insert");
    insert.setString(1, w.id());
    insert.setString(2, w.idempotencyKey());
    insert.setString(3, w.fingerprint());
    insert.setInt(4, open);
    insert.setLong(5, now);
    insert.executeUpdate();
    return new WorkflowInsertResult(w.id(), ids, w.fingerprint(), true);
  }

  /** After a batch of completions, a sweep or a cancel, in its transaction: the tasks it made final move their workflows on. */
  public void finished(WriteContext tx, Map<TaskId, TaskState> finished) throws SQLException {
    finished(tx, () -> finished);
  }

  /**
   * As {@link #finished(WriteContext, Map)}, with the final states worked out only if some workflow may
   * be running: a drain of plain tasks builds no map per completion on the writer thread.
   */
  public void finished(WriteContext tx, Supplier<Map<TaskId, TaskState>> finalStates) throws SQLException {
    if (mayHaveRunning == null) {
      try (ResultSet rs = tx.statement("workflow_any_running").executeQuery()) {
        mayHaveRunning = rs.next() && rs.getInt(1) == 1;
      }
    }
    if (!mayHaveRunning) {
      return;
    }
    Map<TaskId, TaskState> finished = finalStates.get();
    if (finished.isEmpty()) {
      return;
    }
    Writes writes = new Writes(tx);
    WorkflowResolver.finished(writes, finished);
    if (writes.endedAny) {
      tx.afterCommit(() -> mayHaveRunning = null);
    }
  }

  /**
   * After a replay, in its transaction: the workflow nodes among {@code replayed} open again, and the
   * dependants cancelled because of them wait again (see {@link WorkflowResolver#replayed}). A replayed
   * node of a cancelled workflow stays closed: it is detached, so its next end counts nothing (migration 12).
   */
  public void replayed(WriteContext tx, List<TaskId> replayed) throws SQLException {
    if (!replayed.isEmpty()) {
      String replayedIds = SqlRuns.jsonIds(replayed);
      PreparedStatement detach = tx.statement("workflow_nodes_detach");
      detach.setString(1, replayedIds);
      List<String> detached = SqlRuns.readIds(detach);
      if (!detached.isEmpty()) {
        PreparedStatement edges = tx.statement("workflow_edges_detach");
        edges.setString(1, SqlRuns.jsonIds(detached.stream().map(TaskId::of).toList()));
        edges.executeUpdate();
      }
      WorkflowResolver.replayed(new Revivals(tx, replayedIds), replayed);
    }
  }

  /** Cancels what has not started of workflow {@code id}; false if it is unknown. */
  public boolean cancel(WriteContext tx, String id) throws SQLException {
    PreparedStatement get = tx.statement("workflow_get");
    get.setString(1, id);
    try (ResultSet rs = get.executeQuery()) {
      if (!rs.next()) {
        return false;
      }
    }
    PreparedStatement mark = tx.statement("workflow_cancel_mark");
    mark.setString(1, id);
    if (mark.executeUpdate() == 0) {
      return true; // already ended
    }
    PreparedStatement cancel = tx.statement("workflow_cancel_nodes");
    cancel.setString(1, id);
    cancel.setLong(2, Micros.of(tx.now()));
    Map<TaskId, TaskState> cancelled = new LinkedHashMap<>();
    try (ResultSet rs = cancel.executeQuery()) {
      while (rs.next()) {
        cancelled.put(TaskId.of(rs.getString(1)), TaskState.CANCELLED);
      }
    }
    finished(tx, cancelled);
    // A workflow whose every node had ended but the count: cannot happen, nodes close with their writes.
    return true;
  }

  /** Deletes the rows of workflows that ended before {@code endedBefore}, at most {@code limit}; returns how many. */
  public int prune(WriteContext tx, Instant endedBefore, int limit) throws SQLException {
    PreparedStatement find = tx.statement("workflow_prune_ended");
    find.setLong(1, Micros.of(endedBefore));
    find.setInt(2, limit);
    List<String> ended = SqlRuns.readIds(find);
    SqlRuns.runForEach(tx.statement("workflow_delete_edges"), ended);
    SqlRuns.runForEach(tx.statement("workflow_delete_nodes"), ended);
    SqlRuns.runForEach(tx.statement("workflow_delete"), ended);
    return ended.size();
  }

  private final class Writes implements WorkflowResolver.Writes {
    private final WriteContext tx;
    private boolean endedAny;

    Writes(WriteContext tx) {
      this.tx = tx;
    }

    @Override
    public Map<String, WorkflowResolver.Closed> closeNodes(Collection<TaskId> succeeded, Collection<TaskId> failed)
        throws SQLException {
      List<TaskId> all = new ArrayList<>(succeeded);
      all.addAll(failed);
      Map<String, WorkflowResolver.Closed> closed = new TreeMap<>();
      PreparedStatement close = tx.statement("workflow_nodes_close");
      close.setString(1, SqlRuns.jsonIds(all));
      close.setString(2, SqlRuns.jsonIds(failed));
      try (ResultSet rs = close.executeQuery()) {
        while (rs.next()) {
          closed.put(rs.getString(1), new WorkflowResolver.Closed(rs.getInt(2), rs.getInt(3)));
        }
      }
      return closed;
    }

    @Override
    public Map<TaskId, Integer> resolveEdgesOfSuccesses(Collection<TaskId> parents) throws SQLException {
      Map<TaskId, Integer> released = new TreeMap<>();
      PreparedStatement release = tx.statement("workflow_edges_release");
      release.setString(1, SqlRuns.jsonIds(parents));
      try (ResultSet rs = release.executeQuery()) {
        while (rs.next()) {
          released.put(TaskId.of(rs.getString(1)), rs.getInt(2));
        }
      }
      return released;
    }

    @Override
    public List<WorkflowResolver.ResolvedEdge> resolveEdges(Collection<TaskId> parents) throws SQLException {
      List<WorkflowResolver.ResolvedEdge> edges = new ArrayList<>();
      PreparedStatement resolve = tx.statement("workflow_edges_resolve");
      resolve.setString(1, SqlRuns.jsonIds(parents));
      try (ResultSet rs = resolve.executeQuery()) {
        while (rs.next()) {
          edges.add(new WorkflowResolver.ResolvedEdge(TaskId.of(rs.getString(1)), TaskId.of(rs.getString(2)),
              OnFailure.ofWireName(rs.getString(3))));
        }
      }
      return edges;
    }

    @Override
    public void decrementJoins(List<TaskId> ids) throws SQLException {
      tasks.decrementJoins(tx, ids, Micros.of(tx.now()));
    }

    @Override
    public List<TaskId> cancelWaiting(Map<TaskId, String> reasons) throws SQLException {
      List<TaskId> cancelled = new ArrayList<>();
      PreparedStatement cancel = tx.statement("workflow_cancel_waiting");
      for (Map.Entry<TaskId, String> r : reasons.entrySet()) {
        cancel.setString(1, r.getKey().value());
        cancel.setLong(2, Micros.of(tx.now()));
        cancel.setString(3, r.getValue());
        if (cancel.executeUpdate() > 0) {
          cancelled.add(r.getKey());
        }
      }
      return cancelled;
    }

    @Override
    public List<TaskId> closeWorkflows(Map<String, WorkflowResolver.Closed> closed) throws SQLException {
      // One statement for the step; workflow ids are generated task ids, with nothing JSON escapes.
      StringBuilder json = new StringBuilder("[");
      for (Map.Entry<String, WorkflowResolver.Closed> c : closed.entrySet()) {
        json.append(json.length() > 1 ? "," : "").append("[\"").append(c.getKey()).append("\",")
            .append(c.getValue().nodes()).append(',').append(c.getValue().failed()).append(']');
      }
      PreparedStatement close = tx.statement("workflow_close");
      close.setString(1, json.append(']').toString());
      close.setLong(2, Micros.of(tx.now()));
      List<String> ended = new ArrayList<>();
      try (ResultSet rs = close.executeQuery()) {
        while (rs.next()) {
          if (!rs.getString(2).equals(WorkflowState.RUNNING.name())) {
            ended.add(rs.getString(1));
          }
        }
      }
      endedAny |= !ended.isEmpty();
      List<TaskId> finallyNodes = new ArrayList<>();
      PreparedStatement finallyNode = tx.statement("workflow_finally_node");
      for (String id : ended) {
        finallyNode.setString(1, id);
        SqlRuns.readIds(finallyNode).forEach(task -> finallyNodes.add(TaskId.of(task)));
      }
      finallyNodes.sort(null);
      return finallyNodes;
    }
  }

  /** A replay's side of {@link WorkflowResolver#replayed}, in its transaction. */
  private final class Revivals implements WorkflowResolver.Revivals {
    private final WriteContext tx;
    // The tasks just replayed, as a JSON array of ids: runnable again, but their ends resolved the edges
    // leaving them.
    private final String replayed;

    Revivals(WriteContext tx, String replayed) {
      this.tx = tx;
      this.replayed = replayed;
    }

    @Override
    public List<TaskId> closedNodes(Collection<TaskId> ids) throws SQLException {
      PreparedStatement closed = tx.statement("workflow_nodes_closed");
      closed.setString(1, SqlRuns.jsonIds(ids));
      return SqlRuns.readIds(closed).stream().map(TaskId::of).toList();
    }

    @Override
    public List<WorkflowResolver.Edge> edgesFrom(Collection<TaskId> parents) throws SQLException {
      return edges("workflow_edges_from", parents);
    }

    @Override
    public List<WorkflowResolver.Edge> edgesInto(Collection<TaskId> children) throws SQLException {
      return edges("workflow_edges_into", children);
    }

    private List<WorkflowResolver.Edge> edges(String statement, Collection<TaskId> ids) throws SQLException {
      PreparedStatement read = tx.statement(statement);
      read.setString(1, SqlRuns.jsonIds(ids));
      read.setString(2, replayed);
      List<WorkflowResolver.Edge> edges = new ArrayList<>();
      try (ResultSet rs = read.executeQuery()) {
        while (rs.next()) {
          edges.add(new WorkflowResolver.Edge(TaskId.of(rs.getString(1)), TaskId.of(rs.getString(2)),
              OnFailure.ofWireName(rs.getString(3)), rs.getInt(4) == 1, stateOrNull(rs.getString(5)),
              stateOrNull(rs.getString(6)), rs.getString(7)));
        }
      }
      return edges;
    }

    @Override
    public void reopen(Collection<TaskId> nodes, Collection<TaskId> revived) throws SQLException {
      mayHaveRunning = true;
      String nodeIds = SqlRuns.jsonIds(nodes);
      String revivedIds = SqlRuns.jsonIds(revived);
      PreparedStatement reopen = tx.statement("workflow_nodes_reopen");
      reopen.setString(1, nodeIds);
      Map<String, Integer> perWorkflow = new TreeMap<>();
      for (String workflow : SqlRuns.readIds(reopen)) {
        perWorkflow.merge(workflow, 1, Integer::sum);
      }
      PreparedStatement edges = tx.statement("workflow_edges_reopen");
      edges.setString(1, nodeIds);
      edges.setString(2, revivedIds);
      edges.executeUpdate();
      if (!revived.isEmpty()) {
        PreparedStatement revive = tx.statement("workflow_dependants_revive");
        revive.setString(1, revivedIds);
        revive.setString(2, nodeIds);
        revive.executeUpdate();
      }
      PreparedStatement workflow = tx.statement("workflow_reopen");
      PreparedStatement rewait = tx.statement("workflow_finally_rewait");
      for (Map.Entry<String, Integer> w : perWorkflow.entrySet()) {
        workflow.setString(1, w.getKey());
        workflow.setInt(2, w.getValue());
        workflow.executeUpdate();
        rewait.setString(1, w.getKey());
        rewait.executeUpdate();
      }
    }
  }

  private static TaskState stateOrNull(String state) {
    return state == null ? null : TaskState.valueOf(state);
  }
}
