package dev.errand.store.postgres;

import static dev.errand.store.postgres.NewTasks.LEASE;
import static dev.errand.store.postgres.NewTasks.newQueue;
import static dev.errand.store.postgres.NewTasks.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.TaskHandler;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.ClaimResult;
import dev.errand.core.spi.ForwardingTaskStore;
import dev.errand.core.spi.WaitRequest;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A claim that gets fewer tasks than it asked for says so ({@link ClaimResult#drained}), and the wait
 * after it counts wake-ups from the claim's start: the worker waits at once instead of claiming again to
 * find the queue empty, and misses nothing that came meanwhile.
 */
class PostgresDrainedClaimTest {
  private static final Duration LONG_WAIT = Duration.ofSeconds(60);
  private static TestSchema db;
  private static PostgresStore store;

  @BeforeAll
  static void createStore() {
    db = TestSchema.create("drained");
    store = db.newStore();
  }

  @AfterAll
  static void dropSchema() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void aShortClaimIsDrainedAndAFullOneIsNot() {
    String queue = newQueue();
    store.insertMany(request(NewTasks.ready(queue), NewTasks.ready(queue), NewTasks.ready(queue)));
    ClaimResult full = store.claim(new ClaimRequest(queue, 2, LEASE, "w"));
    assertThat(full.tasks()).hasSize(2);
    assertThat(full.drained()).as("a full claim says nothing of what is left").isFalse();
    ClaimResult shortOne = store.claim(new ClaimRequest(queue, 2, LEASE, "w"));
    assertThat(shortOne.tasks()).hasSize(1);
    assertThat(shortOne.drained()).isTrue();
  }

  @Test
  void workThatCameAfterAShortClaimEndsTheWaitAtOnce() throws Exception {
    store.awaitWork(new WaitRequest(Set.of(newQueue()), Duration.ofMillis(300))); // connects the listener
    String queue = newQueue();
    store.insertMany(request(NewTasks.ready(queue)));
    assertThat(store.claim(new ClaimRequest(queue, 5, LEASE, "w")).drained()).isTrue();
    store.insertMany(request(NewTasks.ready(queue))); // as if it came while the claim's answer travelled
    long start = System.nanoTime();
    store.awaitWork(new WaitRequest(Set.of(queue), LONG_WAIT));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(LONG_WAIT.dividedBy(2));
    assertThat(store.claim(new ClaimRequest(queue, 5, LEASE, "w")).tasks()).hasSize(1);

    Duration maxWait = Duration.ofMillis(800);
    start = System.nanoTime();
    store.awaitWork(new WaitRequest(Set.of(queue), maxWait));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("nothing came: the wait is waited out")
        .isGreaterThanOrEqualTo(maxWait.minusMillis(100));
  }

  /** Tasks one at a time into idle workers: one claim each, not a claim and an empty one. */
  @Test
  void workersTakeTasksOneAtATimeWithOneClaimEach() {
    AtomicInteger claims = new AtomicInteger();
    ForwardingTaskStore counting = new ForwardingTaskStore(db.newStore()) {
      @Override
      public ClaimResult claim(ClaimRequest request) {
        claims.incrementAndGet();
        return super.claim(request);
      }
    };
    int n = 20;
    try (Errand errand = Errand.builder().store(counting).pollInterval(Duration.ofSeconds(30)).build()) {
      errand.handle("ping", Json.class, TaskHandler.of((task, json) -> {}));
      errand.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> claims.get() > 0); // the first, empty claim
      for (int i = 0; i < n; i++) {
        TaskId id = errand.enqueue(TaskSpec.of("ping", null)).id();
        await().atMost(Duration.ofSeconds(10)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);
      }
      // One claim per task and the first; a few more for an enqueue that landed while a claim ran.
      assertThat(claims.get()).as("claims for %d tasks", n).isLessThanOrEqualTo(n + 1 + n / 4);
    }
  }
}
