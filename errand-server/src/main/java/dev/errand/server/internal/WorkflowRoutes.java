package dev.errand.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.core.Errand;
import dev.errand.core.FieldError;
import dev.errand.core.TaskId;
import dev.errand.core.spi.WorkflowStore;
import dev.errand.core.workflow.Dependency;
import dev.errand.core.workflow.EnqueuedWorkflow;
import dev.errand.core.workflow.Workflow;
import dev.errand.core.workflow.WorkflowConflictException;
import dev.errand.core.workflow.WorkflowInfo;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Workflows over HTTP: enqueue one (general form or the chain, group and chord shapes), read every
 * node's state, cancel. A store without workflows answers 501 on each. Thread-safe.
 */
public final class WorkflowRoutes {
  private final Errand errand;
  private final Limits limits;

  public WorkflowRoutes(Errand errand, Limits limits) {
    this.errand = errand;
    this.limits = limits;
  }

  public List<ApiRoute> routes() {
    return List.of(
        new ApiRoute(HandlerType.POST, "/v1/workflows", ApiRoute.PRODUCERS, this::enqueue),
        new ApiRoute(HandlerType.GET, "/v1/workflows/{id}", ApiRoute.READERS, this::get),
        new ApiRoute(HandlerType.POST, "/v1/workflows/{id}/cancel", ApiRoute.ADMINS, this::cancel));
  }

  private void requireWorkflows() {
    if (errand.store().capability(WorkflowStore.class).isEmpty()) {
      throw new ApiException(501, "store " + errand.store().name() + " has no workflows");
    }
  }

  private void enqueue(Context ctx) throws IOException {
    requireWorkflows();
    JsonFields body = Requests.object(ctx, limits.batchBodyBytes());
    Workflow workflow = WorkflowReader.read(body, ctx.header("Idempotency-Key"), TaskRoutes.trace(ctx),
        limits.maxPayloadBytes());
    EnqueuedWorkflow e;
    try {
      e = errand.enqueue(workflow);
    } catch (WorkflowConflictException c) {
      throw new ApiException(422, c.getMessage(), List.of(new FieldError("idempotencyKey",
          "was already used for workflow " + c.existingId() + " with a different graph")), Map.of());
    }
    ctx.header("Location", "/v1/workflows/" + e.id());
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeStringField("id", e.id());
      g.writeObjectFieldStart("nodes");
      for (Map.Entry<String, TaskId> n : e.nodes().entrySet()) {
        g.writeStringField(n.getKey(), n.getValue().value());
      }
      g.writeEndObject();
      g.writeEndObject();
      Responses.json(ctx, e.created() ? 201 : 200, out.bytes());
    }
  }

  private void get(Context ctx) throws IOException {
    requireWorkflows();
    String id = ctx.pathParam("id");
    write(ctx, errand.workflow(id).orElseThrow(() -> new ApiException(404, "no workflow " + id)));
  }

  private void cancel(Context ctx) throws IOException {
    requireWorkflows();
    String id = ctx.pathParam("id");
    write(ctx, errand.cancelWorkflow(id).orElseThrow(() -> new ApiException(404, "no workflow " + id)));
  }

  private static void write(Context ctx, WorkflowInfo w) throws IOException {
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeStringField("id", w.id());
      g.writeStringField("state", w.state().name());
      if (w.idempotencyKey() != null) {
        g.writeStringField("idempotencyKey", w.idempotencyKey());
      }
      g.writeStringField("createdAt", w.createdAt().toString());
      g.writeStringField("finishedAt", w.finishedAt() == null ? null : w.finishedAt().toString());
      g.writeArrayFieldStart("nodes");
      for (WorkflowInfo.Node n : w.nodes()) {
        g.writeStartObject();
        g.writeStringField("name", n.name());
        g.writeStringField("taskId", n.taskId().value());
        g.writeStringField("type", n.type());
        g.writeStringField("state", n.state() == null ? null : n.state().name());
        g.writeArrayFieldStart("dependsOn");
        for (Dependency d : n.dependsOn()) {
          g.writeStartObject();
          g.writeStringField("node", d.node());
          g.writeStringField("onFailure", d.onFailure().wireName());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeBooleanField("finally", n.isFinally());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }
}
