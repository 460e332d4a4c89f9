package dev.errand.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Json;
import dev.errand.core.RetryPolicy;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.NewTask;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The smallest use of a store, for tests of how it is reached (TLS, Cluster): five tasks in, claimed, completed. */
final class RoundTrip {
  private RoundTrip() {}

  /** Inserts five tasks of {@code payload} in queue q (keyed k0..k4 if {@code keyed}), claims and completes them. */
  static List<NewTask> insertClaimComplete(RedisStore store, String payload, boolean keyed) {
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      tasks.add(new NewTask(TaskId.generate(), "q", "job", Json.ofTrusted(payload.getBytes()), 0, null,
          Duration.ZERO, RetryPolicy.DEFAULT, Duration.ofMinutes(1), keyed ? "k" + i : null));
    }
    store.insertMany(new InsertRequest(tasks));
    List<Task> claimed = store.claim(new ClaimRequest("q", 10, Duration.ofSeconds(30), "w")).tasks();
    assertThat(claimed).hasSize(5);
    List<Completion> done = new ArrayList<>();
    for (Task t : claimed) {
      done.add(new Completion(t.id(), t.lease().token(), new Completion.Succeeded(null)));
    }
    assertThat(store.completeMany(new CompleteRequest(done)).stale()).isEmpty();
    return tasks;
  }
}
