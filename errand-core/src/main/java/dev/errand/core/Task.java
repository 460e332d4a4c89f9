package dev.errand.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of one task as the store holds it. {@code attempt} counts claims that burned a try (0
 * before the first claim). {@code lease} is present exactly while the task is {@link TaskState#RUNNING}.
 * {@code startedAt} is the last claim's time; {@code finishedAt} is set in final states.
 *
 * @param result the handler's result, or null
 * @param lastError the last failure's message and stack trace, or null
 * @param kind which executor runs it ({@value TaskSpec#HANDLER_KIND} for a Java handler)
 * @param headers its headers (see {@link TaskHeaders}), empty for none
 */
public record Task(
    TaskId id,
    String queue,
    String type,
    Json payload,
    int priority,
    TaskState state,
    int attempt,
    RetryPolicy retry,
    Duration timeout,
    String idempotencyKey,
    Instant runAt,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    Lease lease,
    Json result,
    String lastError,
    String kind,
    Map<String, String> headers) {

  public Task {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(retry, "retry");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(runAt, "runAt");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(kind, "kind");
    headers = headers == null ? Map.of() : headers;
  }

  /** A task of kind {@value TaskSpec#HANDLER_KIND} without headers. */
  public Task(TaskId id, String queue, String type, Json payload, int priority, TaskState state, int attempt,
      RetryPolicy retry, Duration timeout, String idempotencyKey, Instant runAt, Instant createdAt,
      Instant startedAt, Instant finishedAt, Lease lease, Json result, String lastError) {
    this(id, queue, type, payload, priority, state, attempt, retry, timeout, idempotencyKey, runAt, createdAt,
        startedAt, finishedAt, lease, result, lastError, TaskSpec.HANDLER_KIND, Map.of());
  }

  public int maxAttempts() {
    return retry.maxAttempts();
  }
}
