package dev.errand.core.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.errand.core.PayloadTooLargeException;
import dev.errand.core.RetryPolicy;
import dev.errand.core.TaskHeaders;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TraceContext;
import dev.errand.core.spi.NewTask;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns a {@link TaskSpec} into the {@link NewTask} a store inserts, applying every default: the type's
 * retry and timeout (else the Errand's), a fresh id, no delay. One rule for every way a task is made: an
 * enqueue and a handler's follow-up resolve alike. Thread-safe. Internal: not public API.
 */
public final class TaskResolver {
  private final Settings settings;
  private final HandlerRegistry handlers;
  private final Function<TaskSpec, TraceContext> traceContext;

  /** @param traceContext the trace context of a spec without a traceparent (null for none), or null */
  public TaskResolver(Settings settings, HandlerRegistry handlers, Function<TaskSpec, TraceContext> traceContext) {
    this.settings = settings;
    this.handlers = handlers;
    this.traceContext = traceContext;
  }

  /** The mapper handlers' values are encoded with. */
  public ObjectMapper mapper() {
    return settings.mapper();
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
        retry, timeout, spec.idempotencyKey(), 0, spec.kind(), headers(spec));
  }

  /** The spec's headers, with the current trace context if the spec has none and the supplier gives one. */
  private Map<String, String> headers(TaskSpec spec) {
    Map<String, String> headers = spec.headers();
    if (traceContext == null || headers.containsKey(TraceContext.TRACEPARENT)) {
      return headers;
    }
    TraceContext current = traceContext.apply(spec);
    if (current == null) {
      return headers;
    }
    Map<String, String> with = new HashMap<>(headers);
    with.put(TraceContext.TRACEPARENT, current.traceParent());
    if (current.traceState() != null) {
      with.put(TraceContext.TRACESTATE, current.traceState());
    }
    return TaskHeaders.check(with);
  }
}
