package dev.errand.server.internal;

import dev.errand.core.Errand;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.server.QueueScope;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps a token scoped to queues ({@code queues=} in the tokens file) to its queues, before the handler
 * runs, on every route that names a queue or a task:
 * <ul>
 *   <li>a queue in the path ({@code /v1/queues/{queue}/...}): it must be in scope;
 *   <li>a task in the path ({@code /v1/tasks/{id}}, its errors, cancel, replay, run now): the task's queue
 *       must be; an unknown task is left to the handler's 404;
 *   <li>lists and bulk actions filtered by {@code ?queue=} (tasks, due, dead groups, dead purge and
 *       replay, run due, events): the request must name a queue in scope, or tasks by {@code ?id=} that
 *       are;
 *   <li>what spans every queue (metrics, stats, workers, schedules) is refused.
 * </ul>
 * Enqueues check their tasks' queues in the handler ({@link #require}), as the body names them; the
 * queue list leaves out what is out of scope. The worker protocol's heartbeat, complete and fail need a
 * lease token, which only a claim in scope hands out. Every refusal is a 403 naming the queue. A token
 * without {@code queues=}, or a server without tokens, passes untouched. Thread-safe.
 */
public final class QueueGuard implements Handler {
  private static final String ATTRIBUTE = "errand.queues";
  // Routes as "METHOD path", the path as registered. HEAD is checked as its GET.
  private static final Set<String> SERVER_WIDE = Set.of("GET /metrics", "GET /v1/stats", "GET /v1/workers",
      "GET /v1/stats/queues", "GET /v1/stats/targets", "GET /v1/schedules", "GET /v1/schedules/{name}", "PUT /v1/schedules/{name}",
      "DELETE /v1/schedules/{name}");
  private static final Set<String> BY_QUEUE_PARAMETER = Set.of("GET /v1/tasks", "GET /v1/tasks:due",
      "POST /v1/due/run", "GET /v1/dead/groups", "DELETE /v1/dead", "POST /v1/dead/replay", "GET /v1/events",
      "GET /v1/events/recent");
  private static final Set<String> TASK_ROUTES = Set.of("GET /v1/tasks/{id}", "GET /v1/tasks/{id}/errors",
      "POST /v1/tasks/{id}/cancel", "POST /v1/tasks/{id}/replay", "POST /v1/tasks/{id}/run");

  private final Errand errand;

  public QueueGuard(Errand errand) {
    this.errand = errand;
  }

  /** Leaves the token's queues on the request; the authenticator calls it once the token is known. */
  static void grant(Context ctx, QueueScope queues) {
    ctx.attribute(ATTRIBUTE, queues);
  }

  /** The queues the request's token may use: every queue without tokens or without {@code queues=}. */
  public static QueueScope scope(Context ctx) {
    QueueScope queues = ctx.attribute(ATTRIBUTE);
    return queues == null ? QueueScope.ALL : queues;
  }

  /** Refuses with a 403 naming {@code queue} if the request's token may not use it. */
  public static void require(Context ctx, String queue) {
    QueueScope queues = scope(ctx);
    if (!queues.permits(queue)) {
      throw new ApiException(403, "this token may not use queue " + queue + " (its queues: " + queues + ")");
    }
  }

  @Override
  public void handle(Context ctx) {
    QueueScope queues = scope(ctx);
    if (queues.isAll()) {
      return;
    }
    String method = ctx.method() == HandlerType.HEAD ? "GET" : ctx.method().name();
    String route = method + " " + ctx.endpointHandlerPath();
    if (SERVER_WIDE.contains(route)) {
      throw new ApiException(403, "a token limited to queues " + queues + " may not call " + route
          + ": it spans every queue");
    }
    if (ctx.pathParamMap().containsKey("queue")) {
      require(ctx, Requests.queue(ctx));
    } else if (TASK_ROUTES.contains(route)) {
      requireTask(ctx, Requests.taskId(ctx));
    } else if (BY_QUEUE_PARAMETER.contains(route)) {
      List<String> ids = ctx.queryParams("id");
      String queue = ctx.queryParam("queue");
      if (!ids.isEmpty()) {
        for (String id : ids) {
          if (Requests.isTaskId(id)) {
            requireTask(ctx, TaskId.of(id));
          }
        }
      }
      if (queue != null) {
        require(ctx, queue);
      } else if (ids.isEmpty()) {
        throw new ApiException(403, "a token limited to queues " + queues + " must name one of them: ?queue=NAME");
      }
    }
  }

  private void requireTask(Context ctx, TaskId id) {
    Optional<Task> task = errand.find(id);
    task.ifPresent(t -> require(ctx, t.queue()));
  }
}
