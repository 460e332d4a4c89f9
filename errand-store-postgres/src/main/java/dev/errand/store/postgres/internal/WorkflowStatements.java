package dev.errand.store.postgres.internal;

import dev.errand.core.Json;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.WorkflowInsert;
import dev.errand.core.spi.WorkflowInsertResult;
import dev.errand.core.spi.WorkflowResolver;
import dev.errand.core.workflow.Dependency;
import dev.errand.core.workflow.OnFailure;
import dev.errand.core.workflow.ParentResult;
import dev.errand.core.workflow.WorkflowInfo;
import dev.errand.core.workflow.WorkflowState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The statements of workflows (migration 7): a workflow inserted whole, reads, cancel, and
 * {@link WorkflowResolver} run with the connection of the transaction that made tasks final, one
 * statement per step for the whole batch. Not public API.
 */
public final class WorkflowStatements {
  private final StoreSql sql;
  private final TaskStatements tasks;

  public WorkflowStatements(StoreSql sql, TaskStatements tasks) {
    this.sql = sql;
    this.tasks = tasks;
  }

  /** Inserts the workflow, or finds the one holding its key; run in one transaction. */
  public WorkflowInsertResult insert(Connection c, WorkflowInsert w) throws SQLException {
    int open = (int) w.nodes().stream().filter(n -> !n.isFinally()).count();
    try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_insert"))) {
      ps.setString(1, w.id());
      ps.setString(2, w.idempotencyKey());
      ps.setString(3, w.fingerprint());
      ps.setInt(4, open);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return existing(c, w.idempotencyKey());
        }
      }
    }
    tasks.insert(c, w.nodes().stream().map(WorkflowInsert.Node::task).toList());
    Map<String, TaskId> ids = new LinkedHashMap<>();
    w.nodes().forEach(n -> ids.put(n.name(), n.task().id()));
    int n = w.nodes().size();
    String[] nodeIds = new String[n];
    String[] names = new String[n];
    Integer[] positions = new Integer[n];
    Boolean[] finals = new Boolean[n];
    List<String> children = new ArrayList<>();
    List<Integer> places = new ArrayList<>();
    List<String> parents = new ArrayList<>();
    List<String> policies = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      WorkflowInsert.Node node = w.nodes().get(i);
      nodeIds[i] = node.task().id().value();
      names[i] = node.name();
      positions[i] = i;
      finals[i] = node.isFinally();
      for (int k = 0; k < node.dependsOn().size(); k++) {
        Dependency d = node.dependsOn().get(k);
        children.add(nodeIds[i]);
        places.add(k);
        parents.add(ids.get(d.node()).value());
        policies.add(d.onFailure().wireName());
      }
    }
    try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_nodes_insert"))) {
      ps.setString(1, w.id());
      ps.setArray(2, SqlArrays.text(c, nodeIds));
      ps.setArray(3, SqlArrays.text(c, names));
      ps.setArray(4, SqlArrays.int4(c, positions));
      ps.setArray(5, c.createArrayOf("boolean", finals));
      ps.executeUpdate();
    }
    if (!children.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_edges_insert"))) {
        ps.setArray(1, SqlArrays.text(c, children.toArray(String[]::new)));
        ps.setArray(2, SqlArrays.int4(c, places.toArray(Integer[]::new)));
        ps.setArray(3, SqlArrays.text(c, parents.toArray(String[]::new)));
        ps.setArray(4, SqlArrays.text(c, policies.toArray(String[]::new)));
        ps.executeUpdate();
      }
    }
    return new WorkflowInsertResult(w.id(), ids, w.fingerprint(), true);
  }

  private WorkflowInsertResult existing(Connection c, String key) throws SQLException {
    String id;
    String fingerprint;
    try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_by_key"))) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          // The holder was deleted between the conflict and this read: a retry inserts anew.
          throw new SQLException("workflow key " + key + " vanished while read", "40001");
        }
        id = rs.getString(1);
        fingerprint = rs.getString(2);
      }
    }
    Map<String, TaskId> nodes = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_node_list"))) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          nodes.put(rs.getString("name"), TaskId.of(rs.getString("task_id")));
        }
      }
    }
    return new WorkflowInsertResult(id, nodes, fingerprint, false);
  }

  /** Moves on the workflows of the tasks the transaction on {@code c} made final. */
  public void finished(Connection c, Map<TaskId, TaskState> finished) throws SQLException {
    if (!finished.isEmpty()) {
      WorkflowResolver.finished(new Writes(c), finished);
    }
  }

  /**
   * After a replay, in its transaction: reopens the replayed nodes and revives their cancelled dependants.
   * A replayed node of a cancelled workflow stays closed: it is detached, so its next end counts nothing
   * (migration 12).
   */
  public void replayed(Connection c, List<TaskId> replayed) throws SQLException {
    if (!replayed.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_nodes_detach"))) {
        ps.setArray(1, SqlArrays.text(c, values(replayed)));
        ps.executeQuery().close();
      }
      WorkflowResolver.replayed(new Revivals(c, replayed), replayed);
    }
  }

  /** Cancels what has not started of a running workflow, in one transaction; false if it is unknown. */
  public boolean cancel(Connection c, String id) throws SQLException {
    if (!exists(c, id)) {
      return false;
    }
    try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_cancel_mark"))) {
      ps.setString(1, id);
      if (ps.executeUpdate() == 0) {
        return true; // already ended
      }
    }
    Map<TaskId, TaskState> cancelled = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_cancel_nodes"))) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          cancelled.put(TaskId.of(rs.getString(1)), TaskState.CANCELLED);
        }
      }
    }
    finished(c, cancelled);
    return true;
  }

  private boolean exists(Connection c, String id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_get"))) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  public Optional<WorkflowInfo> workflow(Connection c, String id) throws SQLException {
    String key;
    WorkflowState state;
    Instant createdAt;
    Instant finishedAt;
    try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_get"))) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        key = rs.getString("idempotency_key");
        state = WorkflowState.valueOf(rs.getString("state"));
        createdAt = rs.getObject("created_at", OffsetDateTime.class).toInstant();
        OffsetDateTime f = rs.getObject("finished_at", OffsetDateTime.class);
        finishedAt = f == null ? null : f.toInstant();
      }
    }
    Map<String, List<Dependency>> deps = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_edge_list"))) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          deps.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
              .add(new Dependency(rs.getString(3), OnFailure.ofWireName(rs.getString(2))));
        }
      }
    }
    List<WorkflowInfo.Node> nodes = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_node_list"))) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String taskId = rs.getString("task_id");
          String taskState = rs.getString("state");
          nodes.add(new WorkflowInfo.Node(rs.getString("name"), TaskId.of(taskId), rs.getString("type"),
              taskState == null ? null : TaskState.valueOf(taskState), deps.getOrDefault(taskId, List.of()),
              rs.getBoolean("is_finally")));
        }
      }
    }
    return Optional.of(new WorkflowInfo(id, key, state, createdAt, finishedAt, nodes));
  }

  public Map<TaskId, List<ParentResult>> parents(Connection c, List<TaskId> children) throws SQLException {
    Map<TaskId, List<ParentResult>> out = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_parents"))) {
      String[] ids = children.stream().map(TaskId::value).toArray(String[]::new);
      ps.setArray(1, SqlArrays.text(c, ids));
      ps.setArray(2, SqlArrays.text(c, ids));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String state = rs.getString(4);
          byte[] result = rs.getBytes(5);
          out.computeIfAbsent(TaskId.of(rs.getString(1)), k -> new ArrayList<>()).add(new ParentResult(
              rs.getString(2), TaskId.of(rs.getString(3)), state == null ? null : TaskState.valueOf(state),
              result == null ? null : Json.ofTrusted(result), rs.getString(6)));
        }
      }
    }
    return out;
  }

  /** Deletes the rows of workflows that ended before {@code endedBefore}, at most {@code limit}. */
  public int prune(Connection c, Instant endedBefore, int limit) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_prune_ended"))) {
      ps.setTimestamp(1, Timestamp.from(endedBefore));
      ps.setInt(2, limit);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static String[] values(Collection<TaskId> ids) {
    return ids.stream().map(TaskId::value).toArray(String[]::new);
  }

  /** One statement per step for all the tasks of the step. */
  private final class Writes implements WorkflowResolver.Writes {
    private final Connection c;

    Writes(Connection c) {
      this.c = c;
    }

    @Override
    public Map<String, WorkflowResolver.Closed> closeNodes(Collection<TaskId> succeeded, Collection<TaskId> failed)
        throws SQLException {
      List<TaskId> all = new ArrayList<>(succeeded);
      all.addAll(failed);
      Map<String, WorkflowResolver.Closed> closed = new HashMap<>();
      try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_nodes_close"))) {
        ps.setArray(1, SqlArrays.text(c, values(failed)));
        ps.setArray(2, SqlArrays.text(c, values(all)));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            closed.put(rs.getString(1), new WorkflowResolver.Closed(rs.getInt(2), rs.getInt(3)));
          }
        }
      }
      return closed;
    }

    @Override
    public Map<TaskId, Integer> resolveEdgesOfSuccesses(Collection<TaskId> parents) throws SQLException {
      Map<TaskId, Integer> released = new HashMap<>();
      try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_edges_release"))) {
        ps.setArray(1, SqlArrays.text(c, values(parents)));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            released.put(TaskId.of(rs.getString(1)), rs.getInt(2));
          }
        }
      }
      return released;
    }

    @Override
    public List<WorkflowResolver.ResolvedEdge> resolveEdges(Collection<TaskId> parents) throws SQLException {
      List<WorkflowResolver.ResolvedEdge> edges = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_edges_resolve"))) {
        ps.setArray(1, SqlArrays.text(c, values(parents)));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            edges.add(new WorkflowResolver.ResolvedEdge(TaskId.of(rs.getString(1)), TaskId.of(rs.getString(2)),
                OnFailure.ofWireName(rs.getString(3))));
          }
        }
      }
      return edges;
    }

    @Override
    public void decrementJoins(List<TaskId> ids) throws SQLException {
      tasks.decrementJoins(c, ids);
    }

    @Override
    public List<TaskId> cancelWaiting(Map<TaskId, String> reasons) throws SQLException {
      List<TaskId> cancelled = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_cancel_waiting"))) {
        ps.setArray(1, SqlArrays.text(c, values(reasons.keySet())));
        ps.setArray(2, SqlArrays.text(c, reasons.values().toArray(String[]::new)));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            cancelled.add(TaskId.of(rs.getString(1)));
          }
        }
      }
      return cancelled;
    }

    @Override
    public List<TaskId> closeWorkflows(Map<String, WorkflowResolver.Closed> closed) throws SQLException {
      List<TaskId> finallyNodes = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_close"))) {
        ps.setArray(1, SqlArrays.text(c, closed.keySet().toArray(String[]::new)));
        ps.setArray(2, SqlArrays.int4(c, closed.values().stream().map(WorkflowResolver.Closed::nodes).toArray(Integer[]::new)));
        ps.setArray(3, SqlArrays.int4(c, closed.values().stream().map(WorkflowResolver.Closed::failed).toArray(Integer[]::new)));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            finallyNodes.add(TaskId.of(rs.getString(1)));
          }
        }
      }
      finallyNodes.sort(null);
      return finallyNodes;
    }
  }

  /** A replay's side of {@link WorkflowResolver#replayed}: one statement per read, and one to reopen. */
  private final class Revivals implements WorkflowResolver.Revivals {
    private final Connection c;
    // The tasks just replayed: runnable again, but their ends resolved the edges leaving them.
    private final String[] replayed;

    Revivals(Connection c, List<TaskId> replayed) {
      this.c = c;
      this.replayed = values(replayed);
    }

    @Override
    public List<TaskId> closedNodes(Collection<TaskId> ids) throws SQLException {
      List<TaskId> closed = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_nodes_closed"))) {
        ps.setArray(1, SqlArrays.text(c, values(ids)));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            closed.add(TaskId.of(rs.getString(1)));
          }
        }
      }
      return closed;
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
      List<WorkflowResolver.Edge> edges = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(sql.get(statement))) {
        ps.setArray(1, SqlArrays.text(c, replayed));
        ps.setArray(2, SqlArrays.text(c, values(ids)));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            edges.add(new WorkflowResolver.Edge(TaskId.of(rs.getString(1)), TaskId.of(rs.getString(2)),
                OnFailure.ofWireName(rs.getString(3)), rs.getBoolean(4), stateOrNull(rs.getString(5)),
                stateOrNull(rs.getString(6)), rs.getString(7)));
          }
        }
      }
      return edges;
    }

    @Override
    public void reopen(Collection<TaskId> nodes, Collection<TaskId> revived) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement(sql.get("workflow_reopen"))) {
        ps.setArray(1, SqlArrays.text(c, values(nodes)));
        ps.setArray(2, SqlArrays.text(c, values(revived)));
        ps.setArray(3, SqlArrays.text(c, values(revived)));
        ps.executeQuery().close();
      }
    }
  }

  private static TaskState stateOrNull(String state) {
    return state == null ? null : TaskState.valueOf(state);
  }
}
