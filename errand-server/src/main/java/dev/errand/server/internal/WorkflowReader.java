package dev.errand.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.Json;
import dev.errand.core.TaskSpec;
import dev.errand.core.TraceContext;
import dev.errand.core.workflow.Dependency;
import dev.errand.core.workflow.OnFailure;
import dev.errand.core.workflow.Workflow;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the body of {@code POST /v1/workflows} into a {@link Workflow}. One of four shapes:
 * {@code {"nodes": [{"name", "task", "dependsOn"?, "onFailure"?}, ...]}} (the general form),
 * {@code {"chain": [TASK, ...]}}, {@code {"group": [TASK, ...]}} or
 * {@code {"chord": {"group": [TASK, ...], "callback": TASK, "onFailure"?}}}; each with an optional
 * {@code "finally": TASK} and {@code "idempotencyKey"}. A TASK has the fields of {@code POST /v1/tasks}
 * but no id nor idempotency key. Errors name their place ({@code nodes[3].dependsOn}); the graph's are
 * named by {@link Workflow.Builder#build()}. Stateless.
 */
public final class WorkflowReader {
  private static final Set<String> FIELDS = Set.of("nodes", "chain", "group", "chord", "finally", "idempotencyKey");
  private static final Set<String> NODE_FIELDS = Set.of("name", "task", "dependsOn", "onFailure");
  private static final Set<String> CHORD_FIELDS = Set.of("group", "callback", "onFailure");

  private WorkflowReader() {}

  /**
   * @throws dev.errand.core.InvalidTaskException 422 listing the errors
   * @throws ApiException 413 when a payload is over the limit
   */
  public static Workflow read(JsonFields body, String headerKey, TraceContext trace, long maxPayloadBytes) {
    FieldErrors errors = new FieldErrors();
    body.rejectUnknown(FIELDS, errors);
    int shapes = (body.has("nodes") ? 1 : 0) + (body.has("chain") ? 1 : 0) + (body.has("group") ? 1 : 0)
        + (body.has("chord") ? 1 : 0);
    if (shapes != 1) {
      errors.add("nodes", "give exactly one of nodes, chain, group and chord");
    }
    String key = body.string("idempotencyKey", errors);
    if (key == null) {
      key = headerKey;
    }
    errors.throwIfAny();
    Reader r = new Reader(trace, maxPayloadBytes, errors);
    Workflow.Builder b = Workflow.builder();
    if (body.has("nodes")) {
      List<JsonFields> nodes = r.list(body, "nodes");
      for (int i = 0; nodes != null && i < nodes.size(); i++) {
        JsonFields n = nodes.get(i);
        n.rejectUnknown(NODE_FIELDS, errors);
        String name = n.string("name", errors);
        if (name == null || name.isEmpty() || name.length() > 200) {
          errors.add(n.field("name"), "is required, 1 to 200 characters");
        }
        OnFailure onFailure = r.onFailure(n);
        List<Dependency> deps = new ArrayList<>();
        for (String d : r.strings(n, "dependsOn")) {
          deps.add(new Dependency(d, onFailure));
        }
        TaskSpec spec = r.task(n, "task");
        if (errors.isEmpty()) {
          b.node(name, spec, deps);
        }
      }
    } else if (body.has("chain") || body.has("group")) {
      String shape = body.has("chain") ? "chain" : "group";
      List<TaskSpec> specs = r.tasks(body, shape);
      if (errors.isEmpty()) {
        Workflow w = shape.equals("chain") ? Workflow.chain(specs.toArray(TaskSpec[]::new)) : Workflow.group(specs);
        addAll(b, w);
      }
    } else {
      JsonFields chord = body.object("chord", errors);
      if (chord != null) {
        chord.rejectUnknown(CHORD_FIELDS, errors);
        List<TaskSpec> group = r.tasks(chord, "group");
        TaskSpec callback = r.task(chord, "callback");
        OnFailure onFailure = r.onFailure(chord);
        if (errors.isEmpty()) {
          addAll(b, Workflow.chord(Workflow.group(group), callback, onFailure));
        }
      }
    }
    TaskSpec fin = body.has("finally") ? r.task(body, "finally") : null;
    errors.throwIfAny();
    if (fin != null) {
      b.finallyTask(fin);
    }
    if (key != null) {
      b.idempotencyKey(key);
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("idempotencyKey", e.getMessage());
    }
  }

  /** The composed shapes go through the general form, so every shape is checked and named alike. */
  private static void addAll(Workflow.Builder b, Workflow w) {
    w.nodes().forEach(n -> b.node(n.name(), n.task(), n.dependsOn()));
  }

  private static final class Reader {
    private final TraceContext trace;
    private final long maxPayloadBytes;
    private final FieldErrors errors;

    Reader(TraceContext trace, long maxPayloadBytes, FieldErrors errors) {
      this.trace = trace;
      this.maxPayloadBytes = maxPayloadBytes;
      this.errors = errors;
    }

    List<JsonFields> list(JsonFields f, String name) {
      List<JsonFields> items = f.objects(name, errors);
      if (items != null && (items.isEmpty() || items.size() > Workflow.MAX_NODES)) {
        errors.add(f.field(name), "must hold 1 to " + Workflow.MAX_NODES + " items: " + items.size());
        return null;
      }
      return items;
    }

    List<TaskSpec> tasks(JsonFields f, String name) {
      List<TaskSpec> specs = new ArrayList<>();
      List<JsonFields> items = list(f, name);
      if (items == null && !f.has(name)) {
        errors.add(f.field(name), "is required");
      }
      for (int i = 0; items != null && i < items.size(); i++) {
        specs.add(spec(items.get(i)));
      }
      return specs;
    }

    TaskSpec task(JsonFields f, String name) {
      JsonFields task = f.object(name, errors);
      if (task == null) {
        if (!f.has(name)) {
          errors.add(f.field(name), "is required");
        }
        return null;
      }
      return spec(task);
    }

    private TaskSpec spec(JsonFields task) {
      if (task.has("id")) {
        errors.add(task.field("id"), "a workflow node takes no task id");
      }
      if (task.has("idempotencyKey")) {
        errors.add(task.field("idempotencyKey"), "a workflow node takes no idempotency key; give the workflow one");
      }
      return TaskSpecReader.read(task, null, trace, maxPayloadBytes, errors);
    }

    OnFailure onFailure(JsonFields f) {
      String value = f.string("onFailure", errors);
      if (value == null) {
        return OnFailure.FAIL;
      }
      try {
        return OnFailure.ofWireName(value);
      } catch (IllegalArgumentException e) {
        errors.add(f.field("onFailure"), "must be fail or continue: " + Durations.quote(value));
        return OnFailure.FAIL;
      }
    }

    List<String> strings(JsonFields f, String name) {
      Json raw = f.raw(name);
      List<String> out = new ArrayList<>();
      if (raw == null) {
        return out;
      }
      try {
        JsonNode node = Json.DEFAULT_MAPPER.readTree(raw.toByteArray());
        if (node.isNull()) {
          return out;
        }
        if (!node.isArray()) {
          errors.add(f.field(name), "must be an array of node names");
          return out;
        }
        for (JsonNode item : node) {
          if (!item.isTextual()) {
            errors.add(f.field(name), "must be an array of node names");
            return List.of();
          }
          out.add(item.asText());
        }
      } catch (IOException e) {
        errors.add(f.field(name), "must be an array of node names");
      }
      return out;
    }
  }
}
