package dev.errand.core.internal;

import dev.errand.core.PayloadTooLargeException;
import dev.errand.core.RetryPolicy;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.spi.NewTask;
import java.time.Duration;
import java.util.Objects;

/**
 * Turns a {@link TaskSpec} into the {@link NewTask} a store inserts, applying every default: the type's
 * retry and timeout (else the Errand's), a fresh id, no delay. One rule for every way a task is made: an
 * enqueue and a handler's follow-up resolve alike. Thread-safe. Internal: not public API.
 */
public final class TaskResolver {
  private final Settings settings;
  private final HandlerRegistry handlers;

  public TaskResolver(Settings settings, HandlerRegistry handlers) {
    this.settings = settings;
    this.handlers = handlers;
  }

  /** @throws PayloadTooLargeException if the payload is over the size limit */
  public NewTask resolve(TaskSpec spec) {
    Objects.requireNonNull(spec, "spec");
    if (spec.payload().size() > settings.maxPayloadBytes()) {
      throw new PayloadTooLargeException(spec.payload().size(), settings.maxPayloadBytes());
    }
    RetryPolicy defaults = handlers.retryFor(spec.type(), settings.retry());
    RetryPolicy retry = new RetryPolicy(
        spec.maxAttempts() != null ? spec.maxAttempts() : defaults.maxAttempts(),
        spec.backoffBase() != null ? spec.backoffBase() : defaults.base(),
        spec.backoffCap() != null ? spec.backoffCap() : defaults.cap());
    Duration timeout = spec.timeout() != null ? spec.timeout() : handlers.timeoutFor(spec.type(), settings.timeout());
    return new NewTask(spec.id() != null ? spec.id() : TaskId.generate(), spec.queue(), spec.type(),
        spec.payload(), spec.priority(), spec.runAt(), spec.delay() != null ? spec.delay() : Duration.ZERO,
        retry, timeout, spec.idempotencyKey());
  }
}
