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
 * <p>A task with a {@code joinCount} above zero is inserted WAITING instead, and is never claimable until
 * that many join decrements ({@link Completion.FollowUps#decrements()}) have reached it. The decrement that
 * brings it to zero makes it READY, or SCHEDULED if its due time (fixed at insert) is still ahead; a task
 * that becomes READY then takes its place in line at that moment (its runAt is raised to the store's now).
 *
 * @param idempotencyKey null, or a key unique per queue among the tasks the store still holds
 * @param joinCount how many join decrements the task waits for; 0 for a task that runs on its own
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
    int joinCount,
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
    if (joinCount < 0) {
      throw new IllegalArgumentException("joinCount must be 0 or more: " + joinCount);
    }
    Objects.requireNonNull(kind, "kind");
    headers = headers == null ? Map.of() : headers;
  }

  /** A task of kind {@value TaskSpec#HANDLER_KIND} without headers, waiting for {@code joinCount} decrements. */
  public NewTask(TaskId id, String queue, String type, Json payload, int priority, Instant runAt, Duration delay,
      RetryPolicy retry, Duration timeout, String idempotencyKey, int joinCount) {
    this(id, queue, type, payload, priority, runAt, delay, retry, timeout, idempotencyKey, joinCount,
        TaskSpec.HANDLER_KIND, Map.of());
  }

  /** A task of kind {@value TaskSpec#HANDLER_KIND} without headers that runs on its own, waiting for no join. */
  public NewTask(TaskId id, String queue, String type, Json payload, int priority, Instant runAt, Duration delay,
      RetryPolicy retry, Duration timeout, String idempotencyKey) {
    this(id, queue, type, payload, priority, runAt, delay, retry, timeout, idempotencyKey, 0);
  }
}
