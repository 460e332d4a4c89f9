package dev.errand.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.core.Enqueued;
import dev.errand.core.Errand;
import dev.errand.core.Names;
import dev.errand.core.ScheduleConflictException;
import dev.errand.core.TaskSpec;
import dev.errand.core.schedule.Schedule;
import dev.errand.core.schedule.ScheduleInfo;
import dev.errand.core.schedule.ScheduleJson;
import dev.errand.core.schedule.ScheduleSource;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Schedule endpoints, backed by the server's Errand: list, read, put and delete by name. A schedule put
 * here is kept in the store ({@code Errand#putSchedule}): it survives restarts, and every server and
 * Errand on the same store runs it (within a few seconds). The config file's schedules are the server's
 * code: each server has its own, in memory, listed with {@code "source": "code"}; a put or delete under
 * such a name is a 409. Each tick is enqueued once however many servers run a schedule. Thread-safe.
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
        new ApiRoute(HandlerType.DELETE, "/v1/schedules/{name}", ApiRoute.ADMINS, this::delete),
        new ApiRoute(HandlerType.POST, "/v1/schedules/{name}/enable", ApiRoute.ADMINS, ctx -> setEnabled(ctx, true)),
        new ApiRoute(HandlerType.POST, "/v1/schedules/{name}/disable", ApiRoute.ADMINS, ctx -> setEnabled(ctx, false)),
        new ApiRoute(HandlerType.POST, "/v1/schedules/{name}/run", ApiRoute.ADMINS, this::runNow));
  }

  /**
   * Stores the schedule again with {@code enabled} set, keeping the rest of its definition: every node
   * on the store follows within its sync interval. A schedule from a config file (source code) is a 409.
   */
  private void setEnabled(Context ctx, boolean enabled) throws IOException {
    Requests.query(ctx, Set.of());
    ScheduleInfo info = find(name(ctx));
    if (info.source() == ScheduleSource.CODE) {
      throw new ScheduleConflictException(info.name());
    }
    if (info.schedule().enabled() != enabled) {
      errand.putSchedule(info.schedule().newBuilder().enabled(enabled).build());
    }
    respond(ctx, 200, find(info.name()));
  }

  /**
   * Enqueues the schedule's task now, once, besides its ticks (and whether or not it is enabled): 201 with
   * the task. It has no tick's idempotency key, so each call enqueues one more.
   */
  private void runNow(Context ctx) {
    Requests.query(ctx, Set.of());
    ScheduleInfo info = find(name(ctx));
    Enqueued e = errand.enqueue(info.schedule().task());
    ctx.header("Location", "/v1/tasks/" + e.id().value());
    Responses.task(ctx, 201, e.task());
  }

  private void list(Context ctx) throws Exception {
    Requests.query(ctx, Set.of());
    try (JsonOut out = new JsonOut()) {
      out.generator().writeStartObject();
      out.generator().writeArrayFieldStart("schedules");
      for (ScheduleInfo info : errand.schedules()) {
        write(out, info, Redaction.of(ctx));
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
      errand.putSchedule(schedule);
    } catch (IllegalArgumentException e) {
      // Rules that span the schedule and the Errand, such as tolerance against retention.
      throw ApiException.invalid("tolerance", e.getMessage());
    }
    respond(ctx, 200, find(name));
  }

  private void delete(Context ctx) {
    Requests.query(ctx, Set.of());
    String name = name(ctx);
    if (!errand.deleteSchedule(name)) {
      boolean inCode = errand.schedules().stream()
          .anyMatch(i -> i.name().equals(name) && i.source() == ScheduleSource.CODE);
      if (inCode) {
        throw new ScheduleConflictException(name);
      }
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
      write(out, info, Redaction.of(ctx));
      Responses.json(ctx, status, out.bytes());
    }
  }

  /**
   * The schedule's name and definition (as the store keeps it, but for a target task's secret header
   * values, redacted as in a task), where it comes from, and its fire times.
   */
  private static void write(JsonOut out, ScheduleInfo info, Redaction redaction) throws IOException {
    JsonGenerator g = out.generator();
    g.writeStartObject();
    g.writeStringField("name", info.name());
    Schedule s = info.schedule();
    TaskSpec shown = redaction.apply(s.task());
    ScheduleJson.writeFields(g, shown == s.task() ? s : s.newBuilder().task(shown).build());
    g.writeStringField("source", info.source().name().toLowerCase(Locale.ROOT));
    out.instant("nextFire", info.nextFire());
    out.instant("lastFire", info.lastFire());
    g.writeEndObject();
  }
}
