package dev.errand.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of one task as the store holds it. {@code attempt} counts claims that burned a try (0
 * before the first claim). {@code lease} is present exactly while the task is {@link TaskState#RUNNING}.
 * {@code startedAt} is the last claim's time; {@code finishedAt} is set in final states.
 *
 * @param result the handler's result, or null
 * @param lastError the last failure's message and stack trace, or null
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
    String lastError) {

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
  }

  public int maxAttempts() {
    return retry.maxAttempts();
  }
}
