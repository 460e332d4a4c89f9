package dev.errand.httptarget;

import static org.awaitility.Awaitility.await;

import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.RetryPolicy;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.util.Set;

/** An Errand that runs target tasks on queue http with the given executor, on an in-memory store. */
final class TargetRun implements AutoCloseable {
  final Errand errand;

  TargetRun(HttpTargetExecutor executor) {
    errand = Errand.builder().store(new InMemoryTaskStore()).queue(HttpTarget.DEFAULT_QUEUE, 8)
        .pollInterval(Duration.ofMillis(20)).executor(HttpTarget.KIND, executor).build().start();
  }

  /** Enqueues {@code target} with {@code payload}, backoff 1 ms, and waits for it to settle in one of {@code states}. */
  Task run(HttpTarget target, Json payload, int maxAttempts, TaskState... states) {
    TaskSpec spec = target.spec(payload).newBuilder().maxAttempts(maxAttempts)
        .backoff(Duration.ofMillis(1), Duration.ofMillis(1)).build();
    TaskId id = errand.enqueue(spec).task().id();
    Set<TaskState> wanted = Set.of(states);
    await().atMost(Duration.ofSeconds(20)).until(() -> wanted.contains(errand.get(id).state()));
    return errand.get(id);
  }

  static RetryPolicy once() {
    return RetryPolicy.of(1, Duration.ofMillis(1), Duration.ofMillis(1));
  }

  @Override
  public void close() {
    errand.close();
  }
}
