package dev.errand.server.internal;

import dev.errand.core.Errand;
import dev.errand.core.FieldError;
import dev.errand.core.InvalidTaskException;
import dev.errand.core.Names;
import dev.errand.core.QueueLimits;
import dev.errand.core.schedule.Schedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The server's config file ({@code errand server --config FILE}): one JSON object with queue limits and
 * schedules, each keyed by name, in the same shapes as {@code PUT /v1/queues/{queue}/limits} and
 * {@code PUT /v1/schedules/{name}}:
 *
 * <pre>{@code
 * {
 *   "queues": {"emails": {"maxRunning": 5, "ratePerSecond": 50, "burst": 10}},
 *   "schedules": {"nightly-report": {"cron": "0 3 * * *", "zone": "Europe/Berlin", "task": {"type": "report"}}},
 *   "rabbitmq": {"url": "amqp://guest:guest@127.0.0.1:5672/", "inbox": [{"queue": "orders", "format": "celery"}],
 *                "outbox": {"concurrency": 4}}
 * }
 * }</pre>
 *
 * Every field is checked and every error reported at once, naming the field, before anything is applied.
 * Immutable.
 */
public record ConfigFile(Map<String, QueueLimits> queueLimits, List<Schedule> schedules, RabbitConfig rabbitmq) {
  /** Far more than any sensible config file; a larger file is refused rather than read into memory. */
  private static final long MAX_BYTES = 16L * 1024 * 1024;

  public ConfigFile {
    queueLimits = Map.copyOf(queueLimits);
    schedules = List.copyOf(schedules);
  }

  /** A config file without a {@code rabbitmq} section. */
  public ConfigFile(Map<String, QueueLimits> queueLimits, List<Schedule> schedules) {
    this(queueLimits, schedules, null);
  }

  /**
   * Reads and checks {@code file}.
   *
   * @throws IllegalArgumentException naming the file and each bad field
   */
  public static ConfigFile read(Path file, long maxPayloadBytes) throws IOException {
    if (Files.size(file) > MAX_BYTES) {
      throw new IllegalArgumentException("config file " + file + " is over " + MAX_BYTES + " bytes");
    }
    try {
      return parse(Files.readAllBytes(file), maxPayloadBytes);
    } catch (InvalidTaskException e) {
      throw new IllegalArgumentException("config file " + file + ": " + e.errors().stream()
          .map(f -> f.field() + " " + f.message()).collect(Collectors.joining("; ")), e);
    } catch (ApiException e) {
      String fields = e.errors().stream().map(FieldError::field).collect(Collectors.joining(", "));
      throw new IllegalArgumentException("config file " + file + ": " + e.getMessage()
          + (fields.isEmpty() ? "" : " (" + fields + ")"), e);
    }
  }

  static ConfigFile parse(byte[] json, long maxPayloadBytes) {
    JsonFields root = JsonFields.parse(json, "");
    FieldErrors errors = new FieldErrors();
    root.rejectUnknown(Set.of("queues", "schedules", "rabbitmq"), errors);
    Map<String, QueueLimits> limits = new LinkedHashMap<>();
    JsonFields queues = root.object("queues", errors);
    if (queues != null) {
      for (String queue : queues.names()) {
        JsonFields q = named(queues, queue, errors);
        QueueLimits l = q == null ? null : QueueRoutes.readLimits(q, errors);
        if (l != null) {
          limits.put(queue, l);
        }
      }
    }
    List<Schedule> schedules = new ArrayList<>();
    JsonFields all = root.object("schedules", errors);
    if (all != null) {
      for (String name : all.names()) {
        JsonFields s = named(all, name, errors);
        Schedule schedule = s == null ? null : ScheduleReader.read(name, s, maxPayloadBytes, errors);
        if (schedule != null) {
          schedules.add(schedule);
        }
      }
    }
    JsonFields rabbit = root.object("rabbitmq", errors);
    RabbitConfig rabbitmq = rabbit == null ? null : RabbitConfig.read(rabbit, errors);
    errors.throwIfAny();
    return new ConfigFile(limits, schedules, rabbitmq);
  }

  /** The object under {@code name}, a name in the queue alphabet; null when an error was recorded. */
  private static JsonFields named(JsonFields parent, String name, FieldErrors errors) {
    if (!Names.isValid(name)) {
      errors.add(parent.field(name), "name must match " + Names.PATTERN);
      return null;
    }
    return parent.object(name, errors);
  }

  /** Sets the queue limits in the store and registers the schedules with {@code errand}. */
  public void applyTo(Errand errand) {
    queueLimits.forEach(errand::limits);
    schedules.forEach(errand::schedule);
  }
}
