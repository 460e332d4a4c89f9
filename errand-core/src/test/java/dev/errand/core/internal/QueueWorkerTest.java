package dev.errand.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Errand;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueueWorkerTest {
  private static final int SLOTS = 100;

  @Test
  void claimsStayNearlyFullWhileTheQueueHasABacklogOfShortTasks() {
    InMemoryTaskStore store = new InMemoryTaskStore();
    int n = 20_000;
    try (Errand errand = Errand.builder().store(store).queue("short", SLOTS).maxClaimBatch(SLOTS).build()) {
      errand.handle("noop", Object.class, (task, payload) -> null);
      List<TaskSpec> specs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        specs.add(TaskSpec.builder("noop").queue("short").build());
      }
      errand.enqueueMany(specs);
      errand.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> succeeded(errand) == n);
    }
    List<int[]> claims = store.claims();
    long tasks = claims.stream().mapToLong(c -> c[1]).sum();
    long claimsWithTasks = claims.stream().filter(c -> c[1] > 0).count();
    assertThat(tasks).isEqualTo(n);
    assertThat(claims).allSatisfy(c -> assertThat(c[0]).isBetween(1, SLOTS));
    // Claiming at the first free slot gave about 50 tasks a claim here; a full batch is 100. The bound
    // leaves room for the wait running out on a busy machine.
    assertThat((double) tasks / claimsWithTasks).as("mean tasks per claim").isGreaterThan(70);
  }

  private static long succeeded(Errand errand) {
    return errand.queues().stream().filter(q -> q.queue().equals("short"))
        .mapToLong(q -> q.count(TaskState.SUCCEEDED)).sum();
  }
}
