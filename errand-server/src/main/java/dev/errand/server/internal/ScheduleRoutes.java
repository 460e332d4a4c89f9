package dev.errand.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.core.Errand;
import dev.errand.core.Names;
import dev.errand.core.TaskSpec;
import dev.errand.core.schedule.Schedule;
import dev.errand.core.schedule.ScheduleInfo;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * Schedule endpoints, backed by the server's Errand: list, read, put and delete by name. Schedules put
 * here live in this server's memory (as do those of its config file): they are not kept in the store,
 * so they are gone after a restart and a second server does not see them. Any number of servers may
 * carry the same schedule; each tick is still enqueued once. Thread-safe.
 */
public final class ScheduleRoutes {
  private final Errand errand;
  private final Limits limits;

  public ScheduleRoutes(Errand errand, Limits limits) {
    this.errand = errand;
    this.limits = limits;
  }

  public List<ApiRoute> routes() {
    return List.of(
        new ApiRoute(HandlerType.GET, "/v1/schedules", ApiRoute.READERS, this::list),
        new ApiRoute(HandlerType.GET, "/v1/schedules/{name}", ApiRoute.READERS, this::get),
        new ApiRoute(HandlerType.PUT, "/v1/schedules/{name}", ApiRoute.ADMINS, this::put),
        new ApiRoute(HandlerType.DELETE, "/v1/schedules/{name}", ApiRoute.ADMINS, this::delete));
  }

  private void list(Context ctx) throws Exception {
    Requests.query(ctx, Set.of());
    try (JsonOut out = new JsonOut()) {
      out.generator().writeStartObject();
      out.generator().writeArrayFieldStart("schedules");
      for (ScheduleInfo info : errand.schedules()) {
        write(out, info);
      }
      out.generator().writeEndArray();
      out.generator().writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }

  private void get(Context ctx) throws Exception {
    Requests.query(ctx, Set.of());
    respond(ctx, 200, find(name(ctx)));
  }

  private void put(Context ctx) throws Exception {
    Requests.query(ctx, Set.of());
    String name = name(ctx);
    JsonFields body = Requests.object(ctx, limits.bodyBytes());
    FieldErrors errors = new FieldErrors();
    Schedule schedule = ScheduleReader.read(name, body, limits.maxPayloadBytes(), errors);
    errors.throwIfAny();
    try {
      errand.schedule(schedule);
    } catch (IllegalArgumentException e) {
      // Rules that span the schedule and the Errand, such as tolerance against retention.
      throw ApiException.invalid("tolerance", e.getMessage());
    }
    respond(ctx, 200, find(name));
  }

  private void delete(Context ctx) {
    Requests.query(ctx, Set.of());
    String name = name(ctx);
    if (!errand.unschedule(name)) {
      throw notFound(name);
    }
    ctx.status(204);
  }

  private ScheduleInfo find(String name) {
    return errand.schedules().stream().filter(i -> i.name().equals(name)).findFirst()
        .orElseThrow(() -> notFound(name));
  }

  private static ApiException notFound(String name) {
    return new ApiException(404, "no schedule named " + Durations.quote(name));
  }

  /** The name in the path; one outside the alphabet cannot exist, so it is a 404 like an unknown one. */
  private static String name(Context ctx) {
    String name = ctx.pathParam("name");
    if (!Names.isValid(name)) {
      throw notFound(name);
    }
    return name;
  }

  private static void respond(Context ctx, int status, ScheduleInfo info) throws IOException {
    try (JsonOut out = new JsonOut()) {
      write(out, info);
      Responses.json(ctx, status, out.bytes());
    }
  }

  private static void write(JsonOut out, ScheduleInfo info) throws IOException {
    JsonGenerator g = out.generator();
    Schedule s = info.schedule();
    g.writeStartObject();
    g.writeStringField("name", s.name());
    g.writeStringField("cron", s.cron());
    g.writeStringField("interval", s.interval() == null ? null : s.interval().toString());
    g.writeStringField("zone", s.zone().getId());
    g.writeStringField("missedTicks", ScheduleReader.missedTicks(s.missedTicks()));
    g.writeBooleanField("enabled", s.enabled());
    g.writeStringField("tolerance", s.tolerance().toString());
    out.instant("startAt", s.startAt());
    out.instant("nextFire", info.nextFire());
    out.instant("lastFire", info.lastFire());
    TaskSpec t = s.task();
    g.writeObjectFieldStart("task");
    g.writeStringField("type", t.type());
    g.writeStringField("queue", t.queue());
    g.writeFieldName("payload");
    g.writeRawValue(t.payload().asString());
    g.writeNumberField("priority", t.priority());
    if (t.maxAttempts() != null) {
      g.writeNumberField("maxAttempts", t.maxAttempts());
    }
    if (t.timeout() != null) {
      g.writeStringField("timeout", t.timeout().toString());
    }
    g.writeEndObject();
    g.writeEndObject();
  }
}
