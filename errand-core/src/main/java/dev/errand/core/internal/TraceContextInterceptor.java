package dev.errand.core.internal;

import dev.errand.core.TaskInterceptor;
import dev.errand.core.TraceContext;
import dev.errand.core.spi.Completion;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Restores the W3C trace context a task was enqueued in around its run: the run gets a child span of
 * the enqueuer's (a span id of its own, the same trace), which {@code TaskContext#traceContext()} shows
 * to the interceptors after this one and to the executor, so a tracing library can bind it. A task
 * without a valid {@code traceparent} header runs without one. Internal: not public API.
 */
final class TraceContextInterceptor implements TaskInterceptor {
  @Override
  public Completion.Outcome intercept(Chain chain) throws Exception {
    Execution e = ((RealTaskChain) chain).execution();
    if (!e.task.headers().isEmpty()) {
      TraceContext.from(e.task.headers()).ifPresent(parent -> e.trace = parent.child(ThreadLocalRandom.current()));
    }
    return chain.proceed();
  }
}
