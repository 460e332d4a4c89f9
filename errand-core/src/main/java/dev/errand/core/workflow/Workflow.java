package dev.errand.core.workflow;

import dev.errand.core.FieldError;
import dev.errand.core.InvalidTaskException;
import dev.errand.core.TaskSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable graph of tasks to enqueue in one store write: each node runs once the nodes it depends on
 * have ended (see {@link OnFailure} for a parent that fails), and reads their results in the order of its
 * dependencies. {@link #chain}, {@link #group} and {@link #chord} compose: any of them may be a step of
 * another. {@link #builder()} gives the general form with named nodes and {@code dependsOn}.
 *
 * <pre>{@code
 * errand.enqueue(Workflow.chord(Workflow.group(resize(1), resize(2)), TaskSpec.of("zip", job)));
 * errand.enqueue(Workflow.chain(fetch, Workflow.group(parse, index), notify).withFinally(cleanup));
 * }</pre>
 *
 * <p>Nodes built without a name are named by their position ({@code "0"}, {@code "1"}, ...) when the
 * workflow is enqueued. A node's task takes no id and no idempotency key: the workflow has the key.
 */
public final class Workflow {
  /** The most nodes one workflow may hold, the finally-node included. */
  public static final int MAX_NODES = 10_000;

  private record Edge(int parent, OnFailure onFailure) {}

  private record Node(String name, TaskSpec spec, List<Edge> deps) {}

  private final List<Node> nodes;
  private final TaskSpec finallyTask;
  private final String idempotencyKey;

  private Workflow(List<Node> nodes, TaskSpec finallyTask, String idempotencyKey) {
    this.nodes = List.copyOf(nodes);
    this.finallyTask = finallyTask;
    this.idempotencyKey = idempotencyKey;
  }

  /** A workflow of one task, to compose. */
  public static Workflow task(TaskSpec spec) {
    return new Workflow(List.of(new Node(null, checked(spec), List.of())), null, null);
  }

  /** A workflow of one named task, to compose. */
  public static Workflow task(String name, TaskSpec spec) {
    return new Workflow(List.of(new Node(checkedName(name), checked(spec), List.of())), null, null);
  }

  /** Each task after the previous one has succeeded. */
  public static Workflow chain(TaskSpec... steps) {
    return chain(Arrays.stream(steps).map(Workflow::task).toArray(Workflow[]::new));
  }

  /** Each step's first nodes after every last node of the previous step. */
  public static Workflow chain(Workflow... steps) {
    requireSome("chain", steps.length);
    Workflow out = composable(steps[0]);
    for (int i = 1; i < steps.length; i++) {
      out = out.then(composable(steps[i]), OnFailure.FAIL);
    }
    return out;
  }

  /** Tasks that run together, none waiting for another. */
  public static Workflow group(TaskSpec... members) {
    return group(Arrays.asList(members));
  }

  public static Workflow group(List<TaskSpec> members) {
    return group(members.stream().map(Workflow::task).toArray(Workflow[]::new));
  }

  /** Workflows side by side, none waiting for another. */
  public static Workflow group(Workflow... members) {
    requireSome("group", members.length);
    List<Node> all = new ArrayList<>();
    for (Workflow w : members) {
      append(all, composable(w).nodes);
    }
    return new Workflow(all, null, null);
  }

  /** {@code callback} once every node of {@code group} has succeeded (a failure cancels it). */
  public static Workflow chord(Workflow group, TaskSpec callback) {
    return chord(group, callback, OnFailure.FAIL);
  }

  /** {@code callback} once every node of {@code group} has ended, as {@code onFailure} says. */
  public static Workflow chord(Workflow group, TaskSpec callback, OnFailure onFailure) {
    return composable(group).then(task(callback), Objects.requireNonNull(onFailure, "onFailure"));
  }

  /** The general form: named nodes and the names each depends on. */
  public static Builder builder() {
    return new Builder();
  }

  /** This workflow with {@code task} run once it has ended, however it ended; it sees no parents. */
  public Workflow withFinally(TaskSpec task) {
    return new Workflow(nodes, checked(task), idempotencyKey);
  }

  /** This workflow with an idempotency key: a repeat with the same key and graph returns the first. */
  public Workflow idempotencyKey(String key) {
    if (key != null && (key.isEmpty() || key.length() > TaskSpec.MAX_IDEMPOTENCY_KEY_LENGTH)) {
      throw new IllegalArgumentException("idempotencyKey must be 1 to "
          + TaskSpec.MAX_IDEMPOTENCY_KEY_LENGTH + " characters: " + key);
    }
    return new Workflow(nodes, finallyTask, key);
  }

  public String idempotencyKey() {
    return idempotencyKey;
  }

  public Optional<TaskSpec> finallyTask() {
    return Optional.ofNullable(finallyTask);
  }

  /** The name the finally-node gets. */
  public static final String FINALLY_NODE = "finally";

  /**
   * Every node, named, in order (the finally-node not among them).
   *
   * @throws InvalidTaskException if two nodes share a name, or there are more than {@link #MAX_NODES}
   */
  public List<WorkflowNode> nodes() {
    int total = nodes.size() + (finallyTask == null ? 0 : 1);
    if (total > MAX_NODES) {
      throw new InvalidTaskException("nodes", "a workflow holds at most " + MAX_NODES + " nodes: " + total);
    }
    List<String> names = new ArrayList<>(nodes.size());
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      String name = nodes.get(i).name() != null ? nodes.get(i).name() : Integer.toString(i);
      if (!seen.add(name) || (finallyTask != null && name.equals(FINALLY_NODE))) {
        throw new InvalidTaskException("nodes[" + i + "].name", "node " + name + " is named twice");
      }
      names.add(name);
    }
    List<WorkflowNode> out = new ArrayList<>(nodes.size());
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      List<Dependency> deps = n.deps().stream().map(e -> new Dependency(names.get(e.parent()), e.onFailure())).toList();
      out.add(new WorkflowNode(names.get(i), n.spec(), deps));
    }
    return out;
  }

  private Workflow then(Workflow next, OnFailure onFailure) {
    List<Integer> tails = tails();
    List<Node> all = new ArrayList<>(nodes);
    append(all, next.nodes);
    int offset = nodes.size();
    for (int i = 0; i < next.nodes.size(); i++) {
      Node n = all.get(offset + i);
      if (n.deps().isEmpty()) {
        all.set(offset + i, new Node(n.name(), n.spec(), tails.stream().map(t -> new Edge(t, onFailure)).toList()));
      }
    }
    return new Workflow(all, null, null);
  }

  /** Nodes no other node depends on. */
  private List<Integer> tails() {
    boolean[] hasChild = new boolean[nodes.size()];
    nodes.forEach(n -> n.deps().forEach(e -> hasChild[e.parent()] = true));
    List<Integer> tails = new ArrayList<>();
    for (int i = 0; i < hasChild.length; i++) {
      if (!hasChild[i]) {
        tails.add(i);
      }
    }
    return tails;
  }

  private static void append(List<Node> into, List<Node> from) {
    int offset = into.size();
    for (Node n : from) {
      into.add(new Node(n.name(), n.spec(), n.deps().stream().map(e -> new Edge(e.parent() + offset, e.onFailure())).toList()));
    }
  }

  private static Workflow composable(Workflow w) {
    Objects.requireNonNull(w, "workflow");
    if (w.finallyTask != null || w.idempotencyKey != null) {
      throw new IllegalArgumentException("a workflow with a finally-task or an idempotency key cannot be a step of another");
    }
    return w;
  }

  private static void requireSome(String what, int n) {
    if (n == 0) {
      throw new IllegalArgumentException(what + " needs at least one step");
    }
  }

  private static TaskSpec checked(TaskSpec spec) {
    Objects.requireNonNull(spec, "task");
    if (spec.idempotencyKey() != null) {
      throw new IllegalArgumentException("a workflow node takes no idempotency key (give the workflow one): "
          + spec.idempotencyKey());
    }
    if (spec.id() != null) {
      throw new IllegalArgumentException("a workflow node takes no task id: " + spec.id());
    }
    return spec;
  }

  private static String checkedName(String name) {
    if (name == null || name.isEmpty() || name.length() > 200) {
      throw new IllegalArgumentException("node name must be 1 to 200 characters: " + name);
    }
    return name;
  }

  /**
   * Named nodes in any order, each naming the nodes it depends on. {@link #build()} checks the graph: a
   * node named twice, a dependency on an unknown node or a cycle is an {@link InvalidTaskException} whose
   * field is the node's place ({@code nodes[i]...}) and whose message names it.
   */
  public static final class Builder {
    private final List<String> names = new ArrayList<>();
    private final List<TaskSpec> specs = new ArrayList<>();
    private final List<List<Dependency>> deps = new ArrayList<>();
    private TaskSpec finallyTask;
    private String idempotencyKey;

    private Builder() {}

    public Builder node(String name, TaskSpec task, String... dependsOn) {
      return node(name, task, Arrays.stream(dependsOn).map(Dependency::on).toList());
    }

    public Builder node(String name, TaskSpec task, List<Dependency> dependsOn) {
      names.add(checkedName(name));
      specs.add(checked(task));
      deps.add(List.copyOf(dependsOn));
      return this;
    }

    public Builder finallyTask(TaskSpec task) {
      this.finallyTask = checked(task);
      return this;
    }

    public Builder idempotencyKey(String key) {
      this.idempotencyKey = key;
      return this;
    }

    public Workflow build() {
      int total = names.size() + (finallyTask == null ? 0 : 1);
      if (names.isEmpty() || total > MAX_NODES) {
        throw new InvalidTaskException("nodes", "a workflow holds 1 to " + MAX_NODES + " nodes: " + total);
      }
      Map<String, Integer> index = new HashMap<>();
      List<FieldError> errors = new ArrayList<>();
      for (int i = 0; i < names.size(); i++) {
        if (index.putIfAbsent(names.get(i), i) != null) {
          errors.add(new FieldError("nodes[" + i + "].name", "node " + names.get(i) + " is named twice"));
        }
      }
      List<Node> nodes = new ArrayList<>(names.size());
      for (int i = 0; i < names.size(); i++) {
        List<Edge> edges = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Dependency d : deps.get(i)) {
          Integer parent = index.get(d.node());
          if (parent == null) {
            errors.add(new FieldError("nodes[" + i + "].dependsOn",
                "node " + names.get(i) + " depends on unknown node " + d.node()));
          } else if (!seen.add(d.node())) {
            errors.add(new FieldError("nodes[" + i + "].dependsOn",
                "node " + names.get(i) + " depends on " + d.node() + " twice"));
          } else {
            edges.add(new Edge(parent, d.onFailure()));
          }
        }
        nodes.add(new Node(names.get(i), specs.get(i), edges));
      }
      if (errors.isEmpty()) {
        int inCycle = WorkflowCycles.nodeInCycle(nodes.stream().map(n -> n.deps().stream().mapToInt(Edge::parent).toArray()).toList());
        if (inCycle >= 0) {
          errors.add(new FieldError("nodes[" + inCycle + "].dependsOn",
              "node " + names.get(inCycle) + " is in a dependency cycle"));
        }
      }
      if (!errors.isEmpty()) {
        throw new InvalidTaskException(errors);
      }
      Workflow w = new Workflow(nodes, finallyTask, null);
      return idempotencyKey == null ? w : w.idempotencyKey(idempotencyKey);
    }
  }
}
