package dev.errand.opentelemetry;

import dev.errand.core.Task;
import dev.errand.core.TaskInterceptor;
import dev.errand.core.TraceContext;
import dev.errand.core.spi.Completion;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * Runs each attempt in a consumer span ({@code process <queue>}) whose parent is the context stored with
 * the task at enqueue (its {@code traceparent} and {@code tracestate} headers), and records the outcome:
 * {@code succeeded}, {@code released}, {@code retry} or {@code dead} as Errand decided, or {@code failed}
 * with the exception when the rest of the chain threw (Errand then retries or buries the task). A task
 * without a valid traceparent gets a span with no parent. The span is current on the task's thread while
 * the chain runs. Internal to this module; see {@link ErrandTracing#interceptor()}.
 */
final class RunSpanInterceptor implements TaskInterceptor {
  private final Tracer tracer;

  RunSpanInterceptor(Tracer tracer) {
    this.tracer = tracer;
  }

  @Override
  public Completion.Outcome intercept(Chain chain) throws Exception {
    Task task = chain.context().task();
    SpanBuilder builder = tracer.spanBuilder("process " + task.queue()).setSpanKind(SpanKind.CONSUMER)
        .setAttribute(ErrandTracing.MESSAGING_SYSTEM, ErrandTracing.SYSTEM)
        .setAttribute(ErrandTracing.OPERATION_TYPE, "process")
        .setAttribute(ErrandTracing.OPERATION_NAME, "run")
        .setAttribute(ErrandTracing.DESTINATION, task.queue())
        .setAttribute(ErrandTracing.MESSAGE_ID, task.id().toString())
        .setAttribute(ErrandTracing.TASK_TYPE, task.type())
        .setAttribute(ErrandTracing.ATTEMPT, (long) task.attempt());
    TraceContext.from(task.headers()).ifPresentOrElse(
        parent -> builder.setParent(Context.root().with(Span.wrap(remote(parent)))),
        builder::setNoParent);
    Span span = builder.startSpan();
    try (Scope ignored = span.makeCurrent()) {
      Completion.Outcome outcome = chain.proceed();
      record(span, outcome);
      return outcome;
    } catch (Exception | Error e) {
      span.setAttribute(ErrandTracing.OUTCOME, "failed");
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
      throw e;
    } finally {
      span.end();
    }
  }

  private static void record(Span span, Completion.Outcome outcome) {
    switch (outcome) {
      case Completion.Succeeded s -> span.setAttribute(ErrandTracing.OUTCOME, "succeeded");
      case Completion.Release r -> span.setAttribute(ErrandTracing.OUTCOME, "released");
      case Completion.Retry r -> {
        span.setAttribute(ErrandTracing.OUTCOME, "retry");
        span.setStatus(StatusCode.ERROR, r.error());
      }
      case Completion.Dead d -> {
        span.setAttribute(ErrandTracing.OUTCOME, "dead");
        span.setStatus(StatusCode.ERROR, d.error());
      }
      case null -> { } // the chain reports a null outcome itself
    }
  }

  private static SpanContext remote(TraceContext parent) {
    return SpanContext.createFromRemoteParent(parent.traceId(), parent.spanId(),
        TraceFlags.fromHex(parent.flags(), 0), W3cTraceState.decode(parent.traceState()));
  }
}
