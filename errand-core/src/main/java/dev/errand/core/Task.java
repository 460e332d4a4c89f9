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
 * @param progress the last progress value its worker reported with a heartbeat (JSON, at most
 *     {@value #MAX_PROGRESS_BYTES} bytes), or null; kept after the run ends, cleared by nothing but the next report
 * @param heartbeats the heartbeats of attempt {@code attempt} (the running one, or the last to run), or
 *     null if it had none
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
    Map<String, String> headers,
    Json progress,
    Heartbeats heartbeats) {
  /** The largest progress value a worker may report, in bytes of JSON. */
  public static final int MAX_PROGRESS_BYTES = 4096;

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

  /** A task whose current attempt had no heartbeats. */
  public Task(TaskId id, String queue, String type, Json payload, int priority, TaskState state, int attempt,
      RetryPolicy retry, Duration timeout, String idempotencyKey, Instant runAt, Instant createdAt,
      Instant startedAt, Instant finishedAt, Lease lease, Json result, String lastError, String kind,
      Map<String, String> headers, Json progress) {
    this(id, queue, type, payload, priority, state, attempt, retry, timeout, idempotencyKey, runAt, createdAt,
        startedAt, finishedAt, lease, result, lastError, kind, headers, progress, null);
  }

  /** A task without reported progress. */
  public Task(TaskId id, String queue, String type, Json payload, int priority, TaskState state, int attempt,
      RetryPolicy retry, Duration timeout, String idempotencyKey, Instant runAt, Instant createdAt,
      Instant startedAt, Instant finishedAt, Lease lease, Json result, String lastError, String kind,
      Map<String, String> headers) {
    this(id, queue, type, payload, priority, state, attempt, retry, timeout, idempotencyKey, runAt, createdAt,
        startedAt, finishedAt, lease, result, lastError, kind, headers, null, null);
  }

  /** A task of kind {@value TaskSpec#HANDLER_KIND} without headers. */
  public Task(TaskId id, String queue, String type, Json payload, int priority, TaskState state, int attempt,
      RetryPolicy retry, Duration timeout, String idempotencyKey, Instant runAt, Instant createdAt,
      Instant startedAt, Instant finishedAt, Lease lease, Json result, String lastError) {
    this(id, queue, type, payload, priority, state, attempt, retry, timeout, idempotencyKey, runAt, createdAt,
        startedAt, finishedAt, lease, result, lastError, TaskSpec.HANDLER_KIND, Map.of(), null, null);
  }

  public int maxAttempts() {
    return retry.maxAttempts();
  }
}
