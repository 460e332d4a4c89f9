package dev.errand.core;

import dev.errand.core.spi.Completion;

/**
 * Wraps every run of a task, in the manner of OkHttp's interceptors: it sees the task's context, calls
 * {@link Chain#proceed} exactly once to run the rest of the chain (the next interceptors, then the
 * executor of the task's kind), and returns the outcome, which it may observe or replace. It may also
 * return an outcome without proceeding, which ends the run there (an auth check that refuses, say).
 * Errand's own steps (the timeout, the trace context, failure mapping, the completion and the handler's
 * transaction) are interceptors in the same list; the ones given to {@code Errand.Builder#interceptor}
 * run, in the order given, between Errand's steps and the executor, so an exception one throws is
 * recorded as the attempt's failure like a handler's.
 *
 * <p>Runs on the task's own thread; the same instance runs for many tasks at once, so it must be
 * thread-safe. Calling {@code proceed} twice, or returning null, is a bug the chain reports by failing
 * the attempt with an {@link IllegalStateException} that names the interceptor.
 */
@FunctionalInterface
public interface TaskInterceptor {
  Completion.Outcome intercept(Chain chain) throws Exception;

  /** One run of one task, at one interceptor's place in the chain. Valid only during that call. */
  interface Chain {
    TaskContext context();

    /** Runs the rest of the chain and returns its outcome; at most once per interceptor. */
    Completion.Outcome proceed() throws Exception;
  }
}
