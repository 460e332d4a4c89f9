package dev.errand.store.postgres;

import dev.errand.core.Json;
import dev.errand.core.RetryPolicy;
import dev.errand.core.TaskId;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.NewTask;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Tasks for tests: ready now in a queue unless a test changes them with the record's fields. */
final class NewTasks {
  static final Duration LEASE = Duration.ofSeconds(30);

  private NewTasks() {}

  /** A queue name no other test uses. */
  static String newQueue() {
    return "q" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
  }

  static NewTask ready(String queue) {
    return new NewTask(TaskId.generate(), queue, "test", Json.parse("{\"n\":1}"), 0, null, Duration.ZERO,
        RetryPolicy.DEFAULT, Duration.ofMinutes(1), null);
  }

  static NewTask withPriority(String queue, int priority) {
    NewTask t = ready(queue);
    return new NewTask(t.id(), queue, t.type(), t.payload(), priority, null, Duration.ZERO, t.retry(),
        t.timeout(), null);
  }

  static NewTask delayed(String queue, Duration delay) {
    NewTask t = ready(queue);
    return new NewTask(t.id(), queue, t.type(), t.payload(), 0, null, delay, t.retry(), t.timeout(), null);
  }

  static NewTask withKey(String queue, String key) {
    NewTask t = ready(queue);
    return new NewTask(t.id(), queue, t.type(), t.payload(), 0, null, Duration.ZERO, t.retry(), t.timeout(), key);
  }

  static NewTask withPayload(String queue, Json payload) {
    NewTask t = ready(queue);
    return new NewTask(t.id(), queue, t.type(), payload, 0, null, Duration.ZERO, t.retry(), t.timeout(), null);
  }

  static InsertRequest request(NewTask... tasks) {
    return new InsertRequest(List.of(tasks));
  }
}
