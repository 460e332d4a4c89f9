package dev.errand.server.internal;

import dev.errand.core.Errand;
import dev.errand.core.FieldError;
import dev.errand.core.InvalidTaskException;
import dev.errand.core.Names;
import dev.errand.core.QueueLimits;
import dev.errand.core.RetryPolicy;
import dev.errand.core.TypeDefaults;
import dev.errand.core.schedule.Schedule;
import dev.errand.httptarget.HttpTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The server's config file ({@code errand server --config FILE}): one JSON object with queue limits,
 * schedules and task types, each keyed by name, queues and schedules in the same shapes as
 * {@code PUT /v1/queues/{queue}/limits} and {@code PUT /v1/schedules/{name}}:
 *
 * <pre>{@code
 * {
 *   "queues": {"emails": {"maxRunning": 5, "ratePerSecond": 50, "burst": 10}},
 *   "schedules": {"nightly-report": {"cron": "0 3 * * *", "zone": "Europe/Berlin", "task": {"type": "report"}}},
 *   "types": {"send_email": {"maxAttempts": 5, "retry": {"base": "2s", "cap": "10m"}, "timeout": "1m"}},
 *   "rabbitmq": {"url": "amqp://guest:guest@127.0.0.1:5672/", "inbox": [{"queue": "orders", "format": "celery"}],
 *                "outbox": {"concurrency": 4}},
 *   "targets": {"redactHeaders": ["x-api-key"]}
 * }
 * }</pre>
 *
 * {@code targets.redactHeaders} names target headers whose values no read shows, added to
 * {@code --redact-headers} ({@code authorization} by default).
 *
 * A type's {@code maxAttempts}, {@code retry} and {@code timeout} are what its tasks get when their
 * enqueue sets none (a field left out falls back to the server's default: 25 attempts, backoff 1s..1h,
 * timeout 30m); they apply to tasks enqueued through this server.
 *
 * Every field is checked and every error reported at once, naming the field, before anything is applied.
 * Immutable.
 */
public record ConfigFile(Map<String, QueueLimits> queueLimits, List<Schedule> schedules,
    Map<String, TypeDefaults> types, RabbitConfig rabbitmq, Set<String> redactHeaders) {
  /** Far more than any sensible config file; a larger file is refused rather than read into memory. */
  private static final long MAX_BYTES = 16L * 1024 * 1024;

  public ConfigFile {
    queueLimits = Map.copyOf(queueLimits);
    schedules = List.copyOf(schedules);
    types = Map.copyOf(types);
    redactHeaders = Set.copyOf(redactHeaders);
  }

  /** A config file with queues and schedules only. */
  public ConfigFile(Map<String, QueueLimits> queueLimits, List<Schedule> schedules) {
    this(queueLimits, schedules, Map.of(), null, Set.of());
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
    root.rejectUnknown(Set.of("queues", "schedules", "types", "rabbitmq", "targets"), errors);
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
    Map<String, TypeDefaults> types = new LinkedHashMap<>();
    JsonFields typeObjects = root.object("types", errors);
    if (typeObjects != null) {
      for (String type : typeObjects.names()) {
        JsonFields t = named(typeObjects, type, errors);
        TypeDefaults d = t == null ? null : typeDefaults(t, errors);
        if (d != null) {
          types.put(type, d);
        }
      }
    }
    JsonFields rabbit = root.object("rabbitmq", errors);
    RabbitConfig rabbitmq = rabbit == null ? null : RabbitConfig.read(rabbit, errors);
    Set<String> redact = new TreeSet<>();
    JsonFields targets = root.object("targets", errors);
    if (targets != null) {
      targets.rejectUnknown(Set.of("redactHeaders"), errors);
      List<String> names = targets.strings("redactHeaders", errors);
      for (int i = 0; names != null && i < names.size(); i++) {
        if (names.get(i) == null) {
          continue; // not a string: already an error
        }
        if (!HttpTarget.isHeaderName(names.get(i))) {
          errors.add(targets.field("redactHeaders") + "[" + i + "]", "is not a valid header name: " + names.get(i));
        } else {
          redact.add(names.get(i).toLowerCase(Locale.ROOT));
        }
      }
    }
    errors.throwIfAny();
    return new ConfigFile(limits, schedules, types, rabbitmq, redact);
  }

  /** One type's defaults; null when an error was recorded. */
  private static TypeDefaults typeDefaults(JsonFields t, FieldErrors errors) {
    int before = errors.size();
    t.rejectUnknown(Set.of("maxAttempts", "retry", "timeout"), errors);
    Integer maxAttempts = t.integer("maxAttempts", 1, RetryPolicy.MAX_ATTEMPTS_LIMIT, errors);
    BackoffReader.Backoff backoff = BackoffReader.read(t, "retry", errors);
    Duration timeout = Durations.duration(t.field("timeout"), t.string("timeout", errors), false, errors);
    if (errors.size() > before) {
      return null;
    }
    RetryPolicy retry = maxAttempts == null && backoff == null ? null : new RetryPolicy(
        maxAttempts != null ? maxAttempts : RetryPolicy.DEFAULT.maxAttempts(),
        backoff != null ? backoff.base() : RetryPolicy.DEFAULT.base(),
        backoff != null ? backoff.cap() : RetryPolicy.DEFAULT.cap());
    return new TypeDefaults(retry, timeout);
  }

  /** The object under {@code name}, a name in the queue alphabet; null when an error was recorded. */
  private static JsonFields named(JsonFields parent, String name, FieldErrors errors) {
    if (!Names.isValid(name)) {
      errors.add(parent.field(name), "name must match " + Names.PATTERN);
      return null;
    }
    return parent.object(name, errors);
  }

  /** The type defaults on an Errand's builder; they must be set before it is built. */
  public void applyTo(Errand.Builder builder) {
    types.forEach(builder::typeDefaults);
  }

  /** Sets the queue limits in the store and registers the schedules with {@code errand}. */
  public void applyTo(Errand errand) {
    queueLimits.forEach(errand::limits);
    schedules.forEach(errand::schedule);
  }
}
