package dev.errand.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.core.Errand;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.spi.DueQuery;
import dev.errand.core.spi.RunNowRequest;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The tasks that wait for a later run, for the dashboard's retrying view. {@code GET
 * /v1/tasks:due?queue=&type=&limit=}: the SCHEDULED and RETRYING tasks, soonest next run first, each as
 * {@code GET /v1/tasks/{id}} shows it (with its last error). {@code POST /v1/tasks/{id}/run} runs one
 * now (409 if it does not wait); {@code POST /v1/due/run?queue=&type=} runs every match now. A store
 * that cannot do either answers 501. Thread-safe.
 */
public final class DueRoutes {
  private static final int DEFAULT_LIMIT = 50;

  private final Errand errand;

  public DueRoutes(Errand errand) {
    this.errand = errand;
  }

  public List<ApiRoute> routes() {
    return List.of(new ApiRoute(HandlerType.GET, "/v1/tasks:due", ApiRoute.READERS, this::due),
        new ApiRoute(HandlerType.POST, "/v1/tasks/{id}/run", ApiRoute.ADMINS, this::runOne),
        new ApiRoute(HandlerType.POST, "/v1/due/run", ApiRoute.ADMINS, this::runAll));
  }

  private void runOne(Context ctx) {
    Requests.query(ctx, Set.of());
    TaskId id = Requests.taskId(ctx);
    if (supported(() -> errand.runNow(RunNowRequest.of(id))) == 0) {
      Task t = errand.get(id); // 404 if it does not exist
      throw new ApiException(409, "task " + id + " is " + t.state() + ", not SCHEDULED or RETRYING");
    }
    Responses.task(ctx, 200, errand.get(id));
  }

  private void runAll(Context ctx) throws Exception {
    Map<String, String> q = Requests.query(ctx, Set.of("queue", "type"));
    FieldErrors errors = new FieldErrors();
    String queue = Requests.name(q, "queue", errors);
    String type = Requests.name(q, "type", errors);
    errors.throwIfAny();
    Responses.count(ctx, "ran", supported(() -> errand.runNow(new RunNowRequest(null, queue, type))));
  }

  /** The store's answer, or a 501 if it lacks the power. */
  private static <T> T supported(Supplier<T> call) {
    try {
      return call.get();
    } catch (UnsupportedOperationException e) {
      throw new ApiException(501, e.getMessage());
    }
  }

  private void due(Context ctx) throws Exception {
    Map<String, String> q = Requests.query(ctx, Set.of("queue", "type", "limit"));
    FieldErrors errors = new FieldErrors();
    String queue = Requests.name(q, "queue", errors);
    String type = Requests.name(q, "type", errors);
    int limit = Requests.integer(q, "limit", DEFAULT_LIMIT, 1, DueQuery.MAX_LIMIT, errors);
    errors.throwIfAny();
    DueQuery query = new DueQuery(queue, type, limit);
    List<Task> tasks = supported(() -> errand.listDue(query).tasks());
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeArrayFieldStart("tasks");
      for (Task t : tasks) {
        out.task(t, Redaction.of(ctx));
      }
      g.writeEndArray();
      g.writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }
}
