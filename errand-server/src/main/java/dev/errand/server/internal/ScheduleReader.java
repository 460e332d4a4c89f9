package dev.errand.server.internal;

import dev.errand.core.TaskSpec;
import dev.errand.core.schedule.Schedule;
import dev.errand.core.schedule.ScheduleJson;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Set;

/**
 * Turns one schedule object (of a request, or of the server's config file) into a {@link Schedule},
 * checking every field and collecting every error, each named for a 422. It reads the shape that
 * {@link ScheduleJson} writes, and also the API's short durations ({@code 30s}); the schedule it makes
 * is then encoded by {@link ScheduleJson} alone, for the store and for responses. Stateless.
 *
 * <p>Fields: {@code cron} or {@code interval} (exactly one), {@code zone}, {@code task} (an enqueue
 * object without id, delay, runAt or idempotencyKey, which the scheduler sets per tick),
 * {@code missedTicks} ({@code skip} or {@code catch-up-one}), {@code enabled}, {@code tolerance},
 * {@code startAt}.
 */
public final class ScheduleReader {
  static final Set<String> FIELDS = Set.of("cron", "interval", "zone", "task", "missedTicks", "enabled",
      "tolerance", "startAt");
  private static final Set<String> SET_PER_TICK = Set.of("id", "delay", "runAt", "idempotencyKey");

  private ScheduleReader() {}

  /**
   * The schedule {@code name} of {@code f}, or null when an error was recorded.
   *
   * @throws ApiException 413 when the task's payload is over {@code maxPayloadBytes}
   */
  public static Schedule read(String name, JsonFields f, long maxPayloadBytes, FieldErrors errors) {
    int before = errors.size();
    f.rejectUnknown(FIELDS, errors);
    Schedule.Builder b = Schedule.builder(name);
    String cron = f.string("cron", errors);
    Duration interval = Durations.duration(f.field("interval"), f.string("interval", errors), false, errors);
    if (f.has("cron") == f.has("interval")) {
      errors.add(f.field("cron"), "set exactly one of cron and interval");
    }
    apply(() -> b.cron(cron), f.field("cron"), errors);
    apply(() -> b.interval(interval), f.field("interval"), errors);
    String zone = f.string("zone", errors);
    if (zone != null) {
      try {
        b.zone(ZoneId.of(zone));
      } catch (DateTimeException e) {
        errors.add(f.field("zone"), "must be a time zone such as UTC or Europe/Berlin: " + Durations.quote(zone));
      }
    }
    String missed = f.string("missedTicks", errors);
    if (missed != null) {
      try {
        b.missedTicks(ScheduleJson.policy(missed));
      } catch (IllegalArgumentException e) {
        errors.add(f.field("missedTicks"), "must be skip or catch-up-one: " + Durations.quote(missed));
      }
    }
    Boolean enabled = f.bool("enabled", errors);
    if (enabled != null) {
      b.enabled(enabled);
    }
    Duration tolerance = Durations.duration(f.field("tolerance"), f.string("tolerance", errors), false, errors);
    if (tolerance != null) {
      apply(() -> b.tolerance(tolerance), f.field("tolerance"), errors);
    }
    Instant startAt = Durations.instant(f.field("startAt"), f.string("startAt", errors), errors);
    b.startAt(startAt);
    TaskSpec task = task(f, maxPayloadBytes, errors);
    if (errors.size() > before) {
      return null;
    }
    b.task(task);
    return b.build();
  }

  private static TaskSpec task(JsonFields f, long maxPayloadBytes, FieldErrors errors) {
    JsonFields task = f.object("task", errors);
    if (task == null) {
      if (!f.has("task")) {
        errors.add(f.field("task"), "is required");
      }
      return null;
    }
    for (String field : SET_PER_TICK) {
      if (task.has(field)) {
        errors.add(task.field(field), "is set by the scheduler for each tick");
      }
    }
    return TaskSpecReader.read(task, null, null, maxPayloadBytes, errors);
  }

  /** Runs a builder setter, turning its refusal into an error of {@code field}. */
  private static void apply(Runnable setter, String field, FieldErrors errors) {
    try {
      setter.run();
    } catch (IllegalArgumentException e) {
      errors.add(field, e.getMessage());
    }
  }
}
