package dev.errand.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An enqueue into a worker of this process that waits for work hands the task to it in the insert
 * (InsertRequest#claimFor), with no claim of the worker's; a busy worker, a delayed task and shutdown
 * take the usual way.
 */
class HandOffTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private final List<String> heard = new CopyOnWriteArrayList<>();
  private Errand errand;

  @AfterEach
  void stop() {
    if (errand != null) {
      errand.close();
    }
  }

  private Errand start(int concurrency, TaskHandler<Json> handler) {
    ErrandListener listener = new ErrandListener() {
      @Override
      public void enqueued(Task task) {
        heard.add("enqueued " + task.id());
      }

      @Override
      public void claimed(Task task) {
        heard.add("claimed " + task.id());
      }
    };
    errand = Errand.builder().store(store).queue("default", concurrency).pollInterval(Duration.ofSeconds(5))
        .listener(listener).seed(3).build();
    errand.handle("t", Json.class, handler);
    errand.start();
    // The worker's first claim finds nothing; it then waits for work (5 s unless woken).
    await().atMost(WAIT).until(() -> !store.claims().isEmpty());
    return errand;
  }

  private Task awaitSucceeded(TaskId id) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);
    return errand.get(id);
  }

  @Test
  void aTaskEnqueuedIntoAWaitingWorkerRunsWithoutBeingClaimed() throws InterruptedException {
    start(2, (task, payload) -> null);
    Thread.sleep(100); // past the first claim, into the wait
    int claims = store.claims().size();

    Enqueued enqueued = errand.enqueue(TaskSpec.of("t", Json.parse("{}")));
    assertThat(enqueued.created()).isTrue();
    assertThat(enqueued.task().state()).isEqualTo(TaskState.RUNNING);
    Task done = awaitSucceeded(enqueued.task().id());
    assertThat(done.attempt()).isEqualTo(1);
    assertThat(store.insertClaims()).isEqualTo(1);
    // Listeners hear of the enqueue first, as for a task claimed the usual way.
    TaskId id = enqueued.task().id();
    assertThat(heard).containsSubsequence("enqueued " + id, "claimed " + id);
    // Whatever claims the worker made since, none of them got the task.
    assertThat(store.claims().subList(claims, store.claims().size())).allSatisfy(c -> assertThat(c[1]).isZero());
  }

  @Test
  void aBusyWorkerIsNotHandedTasksAndClaimsThemInTurn() throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    start(1, (task, payload) -> {
      release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
      return null;
    });
    Thread.sleep(100);
    TaskId first = errand.enqueue(TaskSpec.of("t", Json.parse("{}"))).task().id();
    Enqueued second = errand.enqueue(TaskSpec.of("t", Json.parse("{}")));

    assertThat(second.task().state()).isEqualTo(TaskState.READY);
    assertThat(store.insertClaims()).isEqualTo(1);
    release.countDown();
    awaitSucceeded(first);
    awaitSucceeded(second.task().id());
    assertThat(store.insertClaims()).isEqualTo(1);
  }

  @Test
  void aDelayedTaskIsNotOffered() throws InterruptedException {
    start(2, (task, payload) -> null);
    Thread.sleep(100);
    Enqueued later = errand.enqueue(TaskSpec.builder("t").delay(Duration.ofMillis(200)).build());
    assertThat(later.task().state()).isEqualTo(TaskState.SCHEDULED);
    awaitSucceeded(later.task().id());
    assertThat(store.insertClaims()).isZero();
  }

  @Test
  void afterShutdownAnEnqueueIsOnlyStored() throws InterruptedException {
    start(2, (task, payload) -> null);
    Thread.sleep(100);
    errand.stop();
    Enqueued after = errand.enqueue(TaskSpec.of("t", Json.parse("{}")));
    assertThat(after.task().state()).isEqualTo(TaskState.READY);
    assertThat(store.insertClaims()).isZero();
  }
}
