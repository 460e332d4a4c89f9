package dev.errand.core.spi;

import dev.errand.core.Json;
import dev.errand.core.RetryPolicy;
import dev.errand.core.TaskHeaders;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A fully resolved task to insert: core has applied every default. The store runs it at {@code runAt}
 * if set, else at its own clock's now plus {@code delay}; a task whose time has come is inserted READY,
 * any other SCHEDULED.
 *
 * @param idempotencyKey null, or a key unique per queue among the tasks the store still holds
 * @param kind which executor runs it; stored as given
 * @param headers checked headers (see {@link TaskHeaders}), stored as given, empty for none
 */
public record NewTask(
    TaskId id,
    String queue,
    String type,
    Json payload,
    int priority,
    Instant runAt,
    Duration delay,
    RetryPolicy retry,
    Duration timeout,
    String idempotencyKey,
    String kind,
    Map<String, String> headers) {

  public NewTask {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(delay, "delay");
    Objects.requireNonNull(retry, "retry");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(kind, "kind");
    headers = headers == null ? Map.of() : headers;
  }

  /** A task of kind {@value TaskSpec#HANDLER_KIND} without headers. */
  public NewTask(TaskId id, String queue, String type, Json payload, int priority, Instant runAt, Duration delay,
      RetryPolicy retry, Duration timeout, String idempotencyKey) {
    this(id, queue, type, payload, priority, runAt, delay, retry, timeout, idempotencyKey, TaskSpec.HANDLER_KIND,
        Map.of());
  }
}
