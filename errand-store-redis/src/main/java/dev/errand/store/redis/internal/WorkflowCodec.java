package dev.errand.store.redis.internal;

import dev.errand.core.Json;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.WorkflowInsert;
import dev.errand.core.spi.WorkflowInsertResult;
import dev.errand.core.workflow.Dependency;
import dev.errand.core.workflow.OnFailure;
import dev.errand.core.workflow.ParentResult;
import dev.errand.core.workflow.WorkflowInfo;
import dev.errand.core.workflow.WorkflowState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Workflows to and from the scripts (workflow.lua keeps the layout): a {@link WorkflowInsert} as
 * winsert.lua takes it, with each node's dependencies and the edges leaving it already encoded as the
 * node's hash keeps them, and the replies of winsert, wget, wcancel and wparents. Not public API.
 */
public final class WorkflowCodec {
  private WorkflowCodec() {}

  /** winsert.lua's arguments: id, key, fingerprint, then per node name, finally flag, in, out and its task. */
  public static Args insert(WorkflowInsert w) {
    Map<String, TaskId> ids = new HashMap<>();
    w.nodes().forEach(n -> ids.put(n.name(), n.task().id()));
    // The edges leaving each node: policy, place among the child's dependencies, '/', child.
    Map<String, StringBuilder> out = new HashMap<>();
    for (WorkflowInsert.Node n : w.nodes()) {
      for (int k = 0; k < n.dependsOn().size(); k++) {
        Dependency d = n.dependsOn().get(k);
        StringBuilder edges = out.computeIfAbsent(d.node(), name -> new StringBuilder());
        edges.append(edges.isEmpty() ? "" : " ").append(policy(d.onFailure())).append(k).append('/')
            .append(n.task().id().value());
      }
    }
    Args args = new Args().add(w.id()).add(w.idempotencyKey() == null ? "" : "=" + w.idempotencyKey())
        .add(w.fingerprint());
    for (WorkflowInsert.Node n : w.nodes()) {
      StringBuilder in = new StringBuilder();
      for (Dependency d : n.dependsOn()) {
        TaskId parent = ids.get(d.node());
        if (parent == null) {
          throw new IllegalArgumentException("node " + n.name() + " depends on unknown node " + d.node());
        }
        in.append(in.isEmpty() ? "" : " ").append(policy(d.onFailure())).append(parent.value());
      }
      StringBuilder edges = out.get(n.name());
      args.add(n.name()).add(n.isFinally() ? "1" : "0").add(in.toString()).add(edges == null ? "" : edges.toString());
      TaskCodec.addInsert(args, n.task());
    }
    return args;
  }

  private static char policy(OnFailure onFailure) {
    return onFailure == OnFailure.FAIL ? 'f' : 'c';
  }

  /** winsert.lua's reply: {1} when written, {0, id, fingerprint, task id, name, ...} for a held key. */
  public static WorkflowInsertResult inserted(WorkflowInsert w, List<Object> reply) {
    long status = TaskCodec.number(reply.getFirst());
    if (status == 1) {
      Map<String, TaskId> nodes = new LinkedHashMap<>();
      w.nodes().forEach(n -> nodes.put(n.name(), n.task().id()));
      return new WorkflowInsertResult(w.id(), nodes, w.fingerprint(), true);
    }
    if (status == -1) {
      throw new IllegalStateException("workflow " + w.id() + " not written: task id " + TaskCodec.text(reply.get(1))
          + " is held");
    }
    Map<String, TaskId> nodes = new LinkedHashMap<>();
    for (int i = 3; i + 1 < reply.size(); i += 2) {
      nodes.put(TaskCodec.text(reply.get(i + 1)), TaskId.of(TaskCodec.text(reply.get(i))));
    }
    return new WorkflowInsertResult(TaskCodec.text(reply.get(1)), nodes, TaskCodec.text(reply.get(2)), false);
  }

  /** The reply of wget.lua or wcancel.lua: {workflow as wf_info returns it, or nil}. */
  public static Optional<WorkflowInfo> info(List<Object> reply) {
    if (reply.isEmpty() || reply.getFirst() == null) {
      return Optional.empty();
    }
    List<?> w = (List<?>) reply.getFirst();
    List<?> rows = (List<?>) w.get(5);
    Map<String, String> names = new HashMap<>();
    for (Object o : rows) {
      List<?> row = (List<?>) o;
      names.put(TaskCodec.text(row.get(1)), TaskCodec.text(row.get(0)));
    }
    List<WorkflowInfo.Node> nodes = new ArrayList<>(rows.size());
    for (Object o : rows) {
      List<?> row = (List<?>) o;
      List<Dependency> deps = new ArrayList<>();
      String in = TaskCodec.text(row.get(4));
      if (!in.isEmpty()) {
        for (String token : in.split(" ")) {
          deps.add(new Dependency(names.get(token.substring(1)), token.charAt(0) == 'f' ? OnFailure.FAIL : OnFailure.CONTINUE));
        }
      }
      String state = TaskCodec.text(row.get(3));
      nodes.add(new WorkflowInfo.Node(TaskCodec.text(row.get(0)), TaskId.of(TaskCodec.text(row.get(1))),
          TaskCodec.text(row.get(2)), state == null ? null : TaskState.valueOf(state), deps,
          "1".equals(TaskCodec.text(row.get(5)))));
    }
    return Optional.of(new WorkflowInfo(TaskCodec.text(w.get(0)), TaskCodec.text(w.get(1)),
        WorkflowState.valueOf(TaskCodec.text(w.get(2))), TaskCodec.instant(w.get(3)), TaskCodec.instant(w.get(4)),
        nodes));
  }

  /** wparents.lua's reply, one list per task asked, in order; tasks with no parents left out. */
  public static Map<TaskId, List<ParentResult>> parents(List<TaskId> tasks, List<Object> reply) {
    Map<TaskId, List<ParentResult>> out = new LinkedHashMap<>();
    for (int i = 0; i < tasks.size(); i++) {
      List<?> rows = (List<?>) reply.get(i);
      if (rows.isEmpty()) {
        continue;
      }
      List<ParentResult> parents = new ArrayList<>(rows.size());
      for (Object o : rows) {
        List<?> row = (List<?>) o;
        String state = TaskCodec.text(row.get(2));
        byte[] result = (byte[]) row.get(3);
        parents.add(new ParentResult(TaskCodec.text(row.get(0)), TaskId.of(TaskCodec.text(row.get(1))),
            state == null ? null : TaskState.valueOf(state), result == null ? null : Json.ofTrusted(result),
            TaskCodec.text(row.get(4))));
      }
      out.put(tasks.get(i), parents);
    }
    return out;
  }
}
