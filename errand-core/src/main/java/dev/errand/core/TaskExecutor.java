package dev.errand.core;

import dev.errand.core.spi.Completion;

/**
 * Runs the tasks of one kind (see {@link TaskSpec.Builder#kind}): the last link of the run's interceptor
 * chain. Errand's Java handlers are the executor of kind {@value TaskSpec#HANDLER_KIND}; another kind (an
 * HTTP target, a relay) is registered with {@code Errand.Builder#executor} and needs no change to the
 * runtime. A task whose kind has no executor on a worker ends DEAD.
 *
 * <p>Called on the task's own thread, once per attempt, for many tasks at once: it must be thread-safe
 * and answer interrupts (timeout, lost lease, shutdown). Return the outcome, or throw: a
 * {@link TaskFailure} means what it means for a handler, and anything else is retried with backoff until
 * the task's attempts run out.
 */
@FunctionalInterface
public interface TaskExecutor {
  Completion.Outcome execute(TaskContext context) throws Exception;
}
