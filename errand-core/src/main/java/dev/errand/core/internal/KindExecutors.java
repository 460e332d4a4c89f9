package dev.errand.core.internal;

import dev.errand.core.TaskExecutor;
import dev.errand.core.TaskInterceptor;
import dev.errand.core.spi.Completion;
import java.util.Map;

/**
 * The last link of every run: the executor registered for the task's kind. A kind no executor here
 * runs ends the task DEAD, with the kinds this worker knows in the error. Internal: not public API.
 */
final class KindExecutors implements TaskInterceptor {
  private final Map<String, TaskExecutor> executors;
  private final String workerId;

  KindExecutors(Map<String, TaskExecutor> executors, String workerId) {
    this.executors = Map.copyOf(executors);
    this.workerId = workerId;
  }

  @Override
  public Completion.Outcome intercept(Chain chain) throws Exception {
    String kind = chain.context().task().kind();
    TaskExecutor executor = executors.get(kind);
    if (executor == null) {
      return new Completion.Dead("no executor for kind " + kind + " on worker " + workerId + " (it runs kinds "
          + executors.keySet().stream().sorted().toList() + ")");
    }
    return executor.execute(chain.context());
  }
}
