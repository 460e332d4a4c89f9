package dev.errand.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.core.Errand;
import dev.errand.core.Task;
import dev.errand.core.spi.DueQuery;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/tasks:due?queue=&type=&limit=}: the SCHEDULED and RETRYING tasks, soonest next run
 * first, each as {@code GET /v1/tasks/{id}} shows it (with its last error), for the dashboard's
 * retrying view. A store that cannot order them answers 501. Thread-safe.
 */
public final class DueRoutes {
  private static final int DEFAULT_LIMIT = 50;

  private final Errand errand;

  public DueRoutes(Errand errand) {
    this.errand = errand;
  }

  public List<ApiRoute> routes() {
    return List.of(new ApiRoute(HandlerType.GET, "/v1/tasks:due", ApiRoute.READERS, this::due));
  }

  private void due(Context ctx) throws Exception {
    Map<String, String> q = Requests.query(ctx, Set.of("queue", "type", "limit"));
    FieldErrors errors = new FieldErrors();
    String queue = Requests.name(q, "queue", errors);
    String type = Requests.name(q, "type", errors);
    int limit = DEFAULT_LIMIT;
    if (q.get("limit") != null) {
      try {
        limit = Integer.parseInt(q.get("limit"));
      } catch (NumberFormatException e) {
        limit = 0;
      }
      if (limit < 1 || limit > DueQuery.MAX_LIMIT) {
        errors.add("limit", "must be an integer in 1.." + DueQuery.MAX_LIMIT + ": " + Durations.quote(q.get("limit")));
      }
    }
    errors.throwIfAny();
    List<Task> tasks;
    try {
      tasks = errand.listDue(new DueQuery(queue, type, limit)).tasks();
    } catch (UnsupportedOperationException e) {
      throw new ApiException(501, e.getMessage());
    }
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeArrayFieldStart("tasks");
      for (Task t : tasks) {
        out.task(t, false);
      }
      g.writeEndArray();
      g.writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }
}
