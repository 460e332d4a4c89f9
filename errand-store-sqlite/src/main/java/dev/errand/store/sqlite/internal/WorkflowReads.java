package dev.errand.store.sqlite.internal;

import dev.errand.core.Json;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.workflow.Dependency;
import dev.errand.core.workflow.OnFailure;
import dev.errand.core.workflow.ParentResult;
import dev.errand.core.workflow.WorkflowInfo;
import dev.errand.core.workflow.WorkflowState;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads of workflows (migration 7), on a read connection. Not public API. */
public final class WorkflowReads {
  private WorkflowReads() {}

  public static Optional<WorkflowInfo> workflow(StatementCache statements, String id) throws SQLException {
    PreparedStatement get = statements.get("workflow_get");
    get.setString(1, id);
    String key;
    WorkflowState state;
    long createdAt;
    Long finishedAt;
    try (ResultSet rs = get.executeQuery()) {
      if (!rs.next()) {
        return Optional.empty();
      }
      key = rs.getString("idempotency_key");
      state = WorkflowState.valueOf(rs.getString("state"));
      createdAt = rs.getLong("created_at");
      long f = rs.getLong("finished_at");
      finishedAt = rs.wasNull() ? null : f;
    }
    Map<String, List<Dependency>> deps = new HashMap<>();
    PreparedStatement edges = statements.get("workflow_edge_list");
    edges.setString(1, id);
    try (ResultSet rs = edges.executeQuery()) {
      while (rs.next()) {
        deps.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
            .add(new Dependency(rs.getString(3), OnFailure.ofWireName(rs.getString(2))));
      }
    }
    List<WorkflowInfo.Node> nodes = new ArrayList<>();
    PreparedStatement list = statements.get("workflow_node_list");
    list.setString(1, id);
    try (ResultSet rs = list.executeQuery()) {
      while (rs.next()) {
        String taskId = rs.getString("task_id");
        String taskState = rs.getString("state");
        nodes.add(new WorkflowInfo.Node(rs.getString("name"), TaskId.of(taskId), rs.getString("type"),
            taskState == null ? null : TaskState.valueOf(taskState), deps.getOrDefault(taskId, List.of()),
            rs.getInt("is_finally") == 1));
      }
    }
    return Optional.of(new WorkflowInfo(id, key, state, Micros.toInstant(createdAt),
        finishedAt == null ? null : Micros.toInstant(finishedAt), nodes));
  }

  public static Map<TaskId, List<ParentResult>> parents(StatementCache statements, List<TaskId> tasks)
      throws SQLException {
    Map<TaskId, List<ParentResult>> out = new LinkedHashMap<>();
    PreparedStatement parents = statements.get("workflow_parents");
    for (TaskId task : tasks) {
      parents.setString(1, task.value());
      List<ParentResult> list = new ArrayList<>();
      try (ResultSet rs = parents.executeQuery()) {
        while (rs.next()) {
          String state = rs.getString(3);
          byte[] result = rs.getBytes(4);
          list.add(new ParentResult(rs.getString(1), TaskId.of(rs.getString(2)),
              state == null ? null : TaskState.valueOf(state), result == null ? null : Json.ofTrusted(result),
              rs.getString(5)));
        }
      }
      if (!list.isEmpty()) {
        out.put(task, list);
      }
    }
    return out;
  }
}
