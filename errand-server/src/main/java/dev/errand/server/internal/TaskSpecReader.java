package dev.errand.server.internal;

import dev.errand.core.FieldError;
import dev.errand.core.Json;
import dev.errand.core.Names;
import dev.errand.core.RetryPolicy;
import dev.errand.core.TaskHeaders;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TraceContext;
import dev.errand.httptarget.HttpTarget;
import dev.errand.httptarget.TargetJson;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns one enqueue object of a request into a {@link TaskSpec}, checking every field and collecting
 * every error, so that nothing reaches the facade that it would refuse. Stateless.
 */
public final class TaskSpecReader {
  static final Set<String> FIELDS = Set.of("id", "type", "payload", "queue", "priority", "delay", "runAt",
      "maxAttempts", "retry", "timeout", "idempotencyKey", "kind", "headers", "target");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x20-\\x7e]{1," + TaskSpec.MAX_IDEMPOTENCY_KEY_LENGTH + "}");

  private TaskSpecReader() {}

  /**
   * The spec of {@code f}, or null when an error was recorded. {@code headerKey} is the
   * {@code Idempotency-Key} header, which stands for the field when the field is absent; {@code trace}
   * is the request's valid W3C trace context (or null), which the task keeps unless its own
   * {@code headers} carry a {@code traceparent}.
   *
   * @throws ApiException 413 when the payload is over {@code maxPayloadBytes}
   */
  public static TaskSpec read(JsonFields f, String headerKey, TraceContext trace, long maxPayloadBytes,
      FieldErrors errors) {
    int before = errors.size();
    f.rejectUnknown(FIELDS, errors);
    if (f.rawSize("payload") > maxPayloadBytes) {
      String field = f.field("payload");
      String message = "is " + f.rawSize("payload") + " bytes, over the limit of " + maxPayloadBytes;
      throw new ApiException(413, field + " " + message, List.of(new FieldError(field, message)), Map.of());
    }
    String type = f.string("type", errors);
    boolean targeted = f.has("target");
    if (!f.has("type") && !targeted) {
      errors.add(f.field("type"), "is required");
    } else if (type != null && !Names.isValid(type)) {
      errors.add(f.field("type"), "must match " + Names.PATTERN + ": " + Durations.quote(type));
    }
    String queue = f.string("queue", errors);
    if (queue != null && !Names.isValid(queue)) {
      errors.add(f.field("queue"), "must match " + Names.PATTERN + ": " + Durations.quote(queue));
    }
    String id = f.string("id", errors);
    if (id != null && !ID.matcher(id).matches()) {
      errors.add(f.field("id"), "must match " + ID.pattern() + ": " + Durations.quote(id));
    }
    Integer priority = f.integer("priority", TaskSpec.MIN_PRIORITY, TaskSpec.MAX_PRIORITY, errors);
    Integer maxAttempts = f.integer("maxAttempts", 1, RetryPolicy.MAX_ATTEMPTS_LIMIT, errors);
    BackoffReader.Backoff backoff = BackoffReader.read(f, "retry", errors);
    Duration delay = Durations.duration(f.field("delay"), f.string("delay", errors), true, errors);
    Instant runAt = Durations.instant(f.field("runAt"), f.string("runAt", errors), errors);
    if (f.has("delay") && f.has("runAt")) {
      errors.add(f.field("runAt"), "set delay or runAt, not both");
    }
    Duration timeout = Durations.duration(f.field("timeout"), f.string("timeout", errors), false, errors);
    String key = idempotencyKey(f, headerKey, errors);
    String kind = f.string("kind", errors);
    if (kind != null && !Names.isValid(kind)) {
      errors.add(f.field("kind"), "must match " + Names.PATTERN + ": " + Durations.quote(kind));
    }
    Map<String, String> headers = headers(f, trace, errors);
    Json payload = f.raw("payload");
    if (targeted) {
      HttpTarget target = targetOf(f, kind, timeout, payload, maxPayloadBytes, errors);
      if (target != null) {
        payload = TargetJson.encode(target, payload);
        kind = HttpTarget.KIND;
        type = type != null ? type : HttpTarget.DEFAULT_TYPE;
        queue = queue != null ? queue : HttpTarget.DEFAULT_QUEUE;
      }
    }
    if (errors.size() > before) {
      return null;
    }
    TaskSpec.Builder b = TaskSpec.builder(type).payload(payload != null ? payload : Json.NULL);
    if (queue != null) {
      b.queue(queue);
    }
    if (id != null) {
      b.id(TaskId.of(id));
    }
    if (priority != null) {
      b.priority(priority);
    }
    if (maxAttempts != null) {
      b.maxAttempts(maxAttempts);
    }
    if (backoff != null) {
      b.backoff(backoff.base(), backoff.cap());
    }
    if (kind != null) {
      b.kind(kind);
    }
    if (!headers.isEmpty()) {
      b.headers(headers);
    }
    return b.delay(delay).runAt(runAt).timeout(timeout).idempotencyKey(key).build();
  }

  /**
   * The {@code target} of a task that calls a URL (kind http, which a given {@code kind} must then be),
   * or null after recording an error. A GET or HEAD sends no body, so it takes no payload.
   */
  private static HttpTarget targetOf(JsonFields f, String kind, Duration timeout, Json payload, long maxPayloadBytes,
      FieldErrors errors) {
    if (kind != null && !kind.equals(HttpTarget.KIND)) {
      errors.add(f.field("kind"), "must be " + HttpTarget.KIND + " (or absent) for a task with a target: " + kind);
    }
    HttpTarget target = TargetReader.read(f.raw("target"), f.field("target"), timeout, maxPayloadBytes, errors);
    if (target == null) {
      return null;
    }
    if (payload != null && !payload.equals(Json.NULL) && (target.body() != null || !target.sendsBody())) {
      errors.add(f.field("payload"), target.body() != null ? "cannot be sent: the target gives a body"
          : "cannot be sent with method " + target.method() + ": put it in the url's query");
      return null;
    }
    return target;
  }

  /**
   * The task's headers: the {@code headers} object, each checked and a bad one named as
   * {@code headers.<name>}, with the request's trace context added unless the object has a traceparent.
   */
  private static Map<String, String> headers(JsonFields f, TraceContext trace, FieldErrors errors) {
    JsonFields object = f.object("headers", errors);
    if (object == null && trace == null) {
      return Map.of();
    }
    Map<String, String> headers = new HashMap<>();
    int size = 0;
    if (object != null) {
      for (String name : object.names()) {
        String value = object.string(name, errors);
        if (value == null) {
          if (!object.has(name)) {
            errors.add(object.field(name), "must be a string");
          }
          continue;
        }
        String problem = TaskHeaders.problem(name, value);
        if (problem != null) {
          errors.add(object.field(name), problem);
          continue;
        }
        size += name.length() + value.length();
        headers.put(name, value);
      }
      if (size > TaskHeaders.MAX_BYTES) {
        errors.add(f.field("headers"), "must be at most " + TaskHeaders.MAX_BYTES
            + " characters of names and values together: " + size);
      }
    }
    if (trace != null && !headers.containsKey(TraceContext.TRACEPARENT)) {
      headers.put(TraceContext.TRACEPARENT, trace.traceParent());
      if (trace.traceState() != null) {
        headers.put(TraceContext.TRACESTATE, trace.traceState());
      } else {
        headers.remove(TraceContext.TRACESTATE); // a tracestate belongs to its traceparent
      }
    }
    return headers;
  }

  private static String idempotencyKey(JsonFields f, String headerKey, FieldErrors errors) {
    String key = f.string("idempotencyKey", errors);
    if (key != null && headerKey != null && !key.equals(headerKey)) {
      errors.add(f.field("idempotencyKey"), "differs from the Idempotency-Key header");
      return null;
    }
    String chosen = key != null ? key : headerKey;
    if (chosen != null && !IDEMPOTENCY_KEY.matcher(chosen).matches()) {
      errors.add(key != null ? f.field("idempotencyKey") : "Idempotency-Key",
          "must be 1.." + TaskSpec.MAX_IDEMPOTENCY_KEY_LENGTH + " printable ASCII characters");
      return null;
    }
    return chosen;
  }
}
