package dev.errand.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.core.Errand;
import dev.errand.core.QueueLimits;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.DeadFilter;
import dev.errand.core.spi.QueueInfo;
import dev.errand.server.QueueScope;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Queue and dead-letter endpoints: counts, pause and resume, flow limits, bulk replay and purge.
 * Thread-safe.
 */
public final class QueueRoutes {
  private static final Set<String> DEAD_PARAMS = Set.of("id", "queue", "type");

  private static final Set<String> LIMIT_FIELDS = Set.of("maxRunning", "ratePerSecond", "burst");

  private final Errand errand;
  private final Limits limits;
  private final Clock clock;

  public QueueRoutes(Errand errand, Limits limits, Clock clock) {
    this.errand = errand;
    this.limits = limits;
    this.clock = clock;
  }

  public List<ApiRoute> routes() {
    return List.of(
        new ApiRoute(HandlerType.GET, "/v1/queues", ApiRoute.READERS, this::queues),
        new ApiRoute(HandlerType.POST, "/v1/queues/{queue}/pause", ApiRoute.ADMINS, ctx -> pause(ctx, true)),
        new ApiRoute(HandlerType.POST, "/v1/queues/{queue}/resume", ApiRoute.ADMINS, ctx -> pause(ctx, false)),
        new ApiRoute(HandlerType.PUT, "/v1/queues/{queue}/limits", ApiRoute.ADMINS, this::limit),
        new ApiRoute(HandlerType.DELETE, "/v1/dead", ApiRoute.ADMINS, this::purge),
        new ApiRoute(HandlerType.POST, "/v1/dead/replay", ApiRoute.ADMINS, this::replay));
  }

  /**
   * Each queue's counts by state ({@code lowerBounds} names the states whose count the store stopped at
   * a bound: the queue holds at least that many), flags, limits, and its oldest ready task's runAt and
   * wait in seconds.
   */
  private void queues(Context ctx) throws Exception {
    Requests.query(ctx, Set.of());
    Instant now = clock.instant();
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeArrayFieldStart("queues");
      QueueScope scope = QueueGuard.scope(ctx);
      for (QueueInfo q : errand.queues()) {
        if (!scope.permits(q.queue())) {
          continue;
        }
        g.writeStartObject();
        g.writeStringField("queue", q.queue());
        g.writeBooleanField("paused", q.paused());
        g.writeNumberField("total", q.total());
        writeLimits(g, q.limits());
        g.writeObjectFieldStart("counts");
        for (TaskState s : TaskState.values()) {
          g.writeNumberField(s.name(), q.count(s));
        }
        g.writeEndObject();
        g.writeArrayFieldStart("lowerBounds");
        for (TaskState s : TaskState.values()) {
          if (!q.isExact(s)) {
            g.writeString(s.name());
          }
        }
        g.writeEndArray();
        out.instant("oldestReadyAt", q.oldestReadyAt());
        g.writeNumberField("oldestReadyAgeSeconds", q.oldestReadyAge(now).toMillis() / 1000.0);
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

  /**
   * Replaces the queue's limits with the body's: {@code maxRunning}, and {@code ratePerSecond} with
   * {@code burst}; a field absent or null sets no such limit, so {@code {}} clears them.
   */
  private void limit(Context ctx) throws Exception {
    Requests.query(ctx, Set.of());
    String queue = Requests.queue(ctx);
    FieldErrors errors = new FieldErrors();
    QueueLimits set = readLimits(Requests.object(ctx, limits.bodyBytes()), errors);
    errors.throwIfAny();
    errand.limits(queue, set);
    try (JsonOut out = new JsonOut()) {
      out.generator().writeStartObject();
      out.generator().writeStringField("queue", queue);
      writeLimits(out.generator(), set);
      out.generator().writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }

  /**
   * The limits of {@code body} (a request's, or a queue's in the config file); null when an error was
   * recorded.
   */
  public static QueueLimits readLimits(JsonFields body, FieldErrors errors) {
    int before = errors.size();
    body.rejectUnknown(LIMIT_FIELDS, errors);
    Integer maxRunning = body.integer("maxRunning", 1, QueueLimits.MAX_VALUE, errors);
    Double rate = body.positiveNumber("ratePerSecond", QueueLimits.MAX_VALUE, errors);
    Integer burst = body.integer("burst", 1, QueueLimits.MAX_VALUE, errors);
    if (body.has("ratePerSecond") && !body.has("burst")) {
      errors.add(body.field("burst"), "is required with ratePerSecond");
    } else if (body.has("burst") && !body.has("ratePerSecond")) {
      errors.add(body.field("ratePerSecond"), "is required with burst");
    }
    return errors.size() > before ? null : new QueueLimits(maxRunning, rate, burst);
  }

  /** The limits as {@code "limits": {...}}, each absent limit as null. */
  private static void writeLimits(JsonGenerator g, QueueLimits l) throws Exception {
    g.writeObjectFieldStart("limits");
    if (l.maxRunning() == null) {
      g.writeNullField("maxRunning");
    } else {
      g.writeNumberField("maxRunning", l.maxRunning());
    }
    if (l.hasRate()) {
      g.writeNumberField("ratePerSecond", l.ratePerSecond());
      g.writeNumberField("burst", l.burst());
    } else {
      g.writeNullField("ratePerSecond");
      g.writeNullField("burst");
    }
    g.writeEndObject();
  }

  private void purge(Context ctx) throws Exception {
    Responses.count(ctx, "purged", errand.purge(filter(ctx)));
  }

  private void replay(Context ctx) throws Exception {
    Responses.count(ctx, "replayed", errand.replay(filter(ctx)));
  }

  private static DeadFilter filter(Context ctx) {
    Map<String, String> q = Requests.query(ctx, DEAD_PARAMS);
    FieldErrors errors = new FieldErrors();
    String queue = Requests.name(q, "queue", errors);
    String type = Requests.name(q, "type", errors);
    TaskId id = null;
    if (q.get("id") != null) {
      try {
        id = TaskId.of(q.get("id"));
      } catch (IllegalArgumentException e) {
        errors.add("id", "is not a task id: " + Durations.quote(q.get("id")));
      }
    }
    errors.throwIfAny();
    return new DeadFilter(id, queue, type);
  }

}
