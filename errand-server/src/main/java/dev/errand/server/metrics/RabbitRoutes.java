package dev.errand.server.metrics;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.rabbitmq.RabbitStatus;
import dev.errand.server.internal.ApiRoute;
import dev.errand.server.internal.JsonOut;
import dev.errand.server.internal.Requests;
import dev.errand.server.internal.Responses;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code GET /v1/rabbitmq}: the outbox relay's loops and the inboxes this server runs, each with its
 * connection state and counts since it started (from memory; nothing here reads the store or the broker).
 * {@code configured} is false, with no loops, when the config file has no {@code rabbitmq} section.
 */
public final class RabbitRoutes {
  private final Supplier<List<RabbitStatus>> status;

  /** @param status the loops' status, or null when RabbitMQ is not configured */
  public RabbitRoutes(Supplier<List<RabbitStatus>> status) {
    this.status = status;
  }

  public List<ApiRoute> routes() {
    return List.of(new ApiRoute(HandlerType.GET, "/v1/rabbitmq", ApiRoute.READERS, this::list));
  }

  private void list(Context ctx) throws Exception {
    Requests.query(ctx, Set.of());
    List<RabbitStatus> loops = status.get();
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeBooleanField("configured", loops != null);
      g.writeArrayFieldStart("loops");
      for (RabbitStatus s : loops == null ? List.<RabbitStatus>of() : loops) {
        g.writeStartObject();
        g.writeStringField("name", s.name());
        g.writeStringField("role", s.role());
        g.writeStringField("queue", s.queue());
        g.writeBooleanField("connected", s.connected());
        g.writeNumberField("published", s.published());
        g.writeNumberField("confirmed", s.confirmed());
        g.writeNumberField("nacked", s.nacked());
        g.writeNumberField("returned", s.returned());
        g.writeNumberField("republished", s.republished());
        g.writeNumberField("consumed", s.consumed());
        g.writeNumberField("rejected", s.rejected());
        g.writeNumberField("confirmLatencyMeanMillis", s.confirmLatencyMean().toNanos() / 1e6);
        g.writeNumberField("confirmLatencyLastMillis", s.confirmLatencyLast().toNanos() / 1e6);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }
}
