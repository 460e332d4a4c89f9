package dev.errand.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.core.Errand;
import dev.errand.core.TaskState;
import dev.errand.core.spi.DeadFilter;
import dev.errand.core.spi.QueueInfo;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Queue and dead-letter endpoints: counts, pause and resume, bulk replay and purge. Thread-safe. */
public final class QueueRoutes {
  private static final Set<String> DEAD_PARAMS = Set.of("queue", "type");

  private final Errand errand;

  public QueueRoutes(Errand errand) {
    this.errand = errand;
  }

  public List<ApiRoute> routes() {
    return List.of(
        new ApiRoute(HandlerType.GET, "/v1/queues", ApiRoute.READERS, this::queues),
        new ApiRoute(HandlerType.POST, "/v1/queues/{queue}/pause", ApiRoute.ADMINS, ctx -> pause(ctx, true)),
        new ApiRoute(HandlerType.POST, "/v1/queues/{queue}/resume", ApiRoute.ADMINS, ctx -> pause(ctx, false)),
        new ApiRoute(HandlerType.DELETE, "/v1/dead", ApiRoute.ADMINS, this::purge),
        new ApiRoute(HandlerType.POST, "/v1/dead/replay", ApiRoute.ADMINS, this::replay));
  }

  private void queues(Context ctx) throws Exception {
    Requests.query(ctx, Set.of());
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeArrayFieldStart("queues");
      for (QueueInfo q : errand.queues()) {
        g.writeStartObject();
        g.writeStringField("queue", q.queue());
        g.writeBooleanField("paused", q.paused());
        g.writeNumberField("total", q.total());
        g.writeObjectFieldStart("counts");
        for (TaskState s : TaskState.values()) {
          g.writeNumberField(s.name(), q.count(s));
        }
        g.writeEndObject();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }

  private void pause(Context ctx, boolean paused) throws Exception {
    Requests.query(ctx, Set.of());
    String queue = Requests.queue(ctx);
    if (paused) {
      errand.pause(queue);
    } else {
      errand.resume(queue);
    }
    try (JsonOut out = new JsonOut()) {
      out.generator().writeStartObject();
      out.generator().writeStringField("queue", queue);
      out.generator().writeBooleanField("paused", paused);
      out.generator().writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }

  private void purge(Context ctx) throws Exception {
    count(ctx, "purged", errand.purge(filter(ctx)));
  }

  private void replay(Context ctx) throws Exception {
    count(ctx, "replayed", errand.replay(filter(ctx)));
  }

  private static DeadFilter filter(Context ctx) {
    Map<String, String> q = Requests.query(ctx, DEAD_PARAMS);
    FieldErrors errors = new FieldErrors();
    String queue = Requests.name(q, "queue", errors);
    String type = Requests.name(q, "type", errors);
    errors.throwIfAny();
    return new DeadFilter(null, queue, type);
  }

  private static void count(Context ctx, String name, int n) throws Exception {
    try (JsonOut out = new JsonOut()) {
      out.generator().writeStartObject();
      out.generator().writeNumberField(name, n);
      out.generator().writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }
}
