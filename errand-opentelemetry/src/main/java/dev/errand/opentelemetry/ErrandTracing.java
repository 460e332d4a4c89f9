package dev.errand.opentelemetry;

import dev.errand.core.Errand;
import dev.errand.core.TaskInterceptor;
import dev.errand.core.TaskSpec;
import dev.errand.core.TraceContext;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import java.util.Objects;

/**
 * Errand's OpenTelemetry tracing: a producer span for each task enqueued, whose context is stored with
 * the task as its W3C {@code traceparent}, and a consumer span for each run, a child of that one, so that
 * the work a task does joins the trace of the request that enqueued it, across threads and processes.
 *
 * <pre>{@code
 * ErrandTracing tracing = ErrandTracing.create(openTelemetry);
 * Errand errand = tracing.install(Errand.builder().store(store)).build();
 * }</pre>
 *
 * <p>The enqueue span ({@code create <queue>}, kind PRODUCER, messaging operation type {@code create})
 * stands for the message's creation: it is a child of the span current where {@code enqueue} is called
 * and ends at once, as the messaging conventions allow a creation context to. The run span
 * ({@code process <queue>}, kind CONSUMER) covers one attempt and is current while the handler runs, so
 * the handler's own spans nest in it; it carries the task's id, type and attempt and the run's outcome.
 * Spans are named and tagged after the OpenTelemetry semantic conventions for messaging, with
 * {@code messaging.system} {@code errand}. Thread-safe.
 */
public final class ErrandTracing {
  /** The instrumentation scope's name. */
  public static final String SCOPE = "dev.errand";
  static final String SYSTEM = "errand";
  static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
  static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
  static final AttributeKey<String> TASK_TYPE = AttributeKey.stringKey("errand.task.type");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("errand.task.attempt");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("errand.task.outcome");

  private final Tracer tracer;

  private ErrandTracing(Tracer tracer) {
    this.tracer = tracer;
  }

  public static ErrandTracing create(OpenTelemetry openTelemetry) {
    return new ErrandTracing(Objects.requireNonNull(openTelemetry, "openTelemetry").getTracer(SCOPE));
  }

  /** Adds {@link #interceptor()} and {@link #enqueueContext} to {@code builder}; returns it. */
  public Errand.Builder install(Errand.Builder builder) {
    return builder.interceptor(interceptor()).traceContextFor(this::enqueueContext);
  }

  /** The interceptor that runs each attempt in a consumer span continuing the task's stored trace. */
  public TaskInterceptor interceptor() {
    return new RunSpanInterceptor(tracer);
  }

  /**
   * Starts and ends the producer span of one task about to be enqueued, a child of the current span, and
   * returns its context to store with the task; null (nothing stored) when there is no current trace, so
   * that enqueues outside any trace do not each start a trace of their own.
   */
  public TraceContext enqueueContext(TaskSpec spec) {
    if (!Span.current().getSpanContext().isValid()) {
      return null;
    }
    Span span = tracer.spanBuilder("create " + spec.queue()).setSpanKind(SpanKind.PRODUCER)
        .setAttribute(MESSAGING_SYSTEM, SYSTEM)
        .setAttribute(OPERATION_TYPE, "create")
        .setAttribute(OPERATION_NAME, "enqueue")
        .setAttribute(DESTINATION, spec.queue())
        .setAttribute(TASK_TYPE, spec.type())
        .startSpan();
    if (spec.id() != null) {
      span.setAttribute(MESSAGE_ID, spec.id().toString());
    }
    span.end();
    return toErrand(span.getSpanContext());
  }

  private static TraceContext toErrand(SpanContext c) {
    String state = c.getTraceState().isEmpty() ? null : W3cTraceState.encode(c.getTraceState());
    return new TraceContext(c.getTraceId(), c.getSpanId(), c.getTraceFlags().asHex(), state);
  }
}
