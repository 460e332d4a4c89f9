package dev.errand.core.internal;

import dev.errand.core.TaskFailure;
import dev.errand.core.TaskInterceptor;
import dev.errand.core.spi.Completion;

/**
 * Turns whatever the rest of the chain throws into the attempt's outcome: a {@link TaskFailure} means
 * dead or snooze, and anything else, an {@link Error} such as {@link StackOverflowError} included, is
 * retried with the task's backoff until its attempts run out, with the stack trace as the error. It sits
 * outside the user's interceptors, so their failures are contained the same way. Internal: not public API.
 */
final class FailureMapping implements TaskInterceptor {
  private final HandlerRegistry handlers;
  private final LockedRandom random;

  FailureMapping(HandlerRegistry handlers, LockedRandom random) {
    this.handlers = handlers;
    this.random = random;
  }

  @Override
  public Completion.Outcome intercept(Chain chain) {
    try {
      return chain.proceed();
    } catch (TaskFailure f) {
      return f.kind() == TaskFailure.Kind.SNOOZE
          ? new Completion.Release(f.snoozeFor())
          : new Completion.Dead(Failures.describe(f));
    } catch (Throwable t) {
      return handlers.failureOutcome(chain.context().task(), Failures.describe(t), true, random);
    }
  }
}
