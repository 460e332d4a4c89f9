package dev.errand.core;

/**
 * Runs one type of task. Called on its own virtual thread, once per attempt; the same handler runs many
 * tasks at once, so it must be thread-safe. Return a result (encoded as JSON and kept with the task; null
 * for none) or throw: {@link TaskFailure#permanent} sends the task to the dead-letter queue,
 * {@link TaskFailure#snooze} runs it later without burning an attempt, and anything else is retried with
 * backoff until the task's attempts run out. A handler must answer interrupts: Errand interrupts it when
 * its timeout passes, its lease is lost, or shutdown's grace period ends.
 *
 * @param <P> the payload type, decoded from the task's JSON with the Errand's ObjectMapper
 */
@FunctionalInterface
public interface TaskHandler<P> {
  Object handle(TaskContext task, P payload) throws Exception;

  /** Adapts a handler that returns nothing. */
  static <P> TaskHandler<P> of(Action<P> action) {
    return (task, payload) -> {
      action.run(task, payload);
      return null;
    };
  }

  /** A handler with no result. */
  @FunctionalInterface
  interface Action<P> {
    void run(TaskContext task, P payload) throws Exception;
  }
}
