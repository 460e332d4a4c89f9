package dev.errand.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.ForwardingTaskStore;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An enqueue into a worker of this process that waits for work hands the task to it in the insert
 * (InsertRequest#claimFor), with no claim of the worker's; a busy worker, a delayed task and shutdown
 * take the usual way, and shutdown waits for a hand-off under way.
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
    return start(store, concurrency, handler);
  }

  private Errand start(TaskStore through, int concurrency, TaskHandler<Json> handler) {
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
    errand = Errand.builder().store(through).queue("default", concurrency).pollInterval(Duration.ofSeconds(5))
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

  @Test
  void anOfferedInsertUnderWayWhenShutdownBeginsEndsRunOrGivenBack() throws Exception {
    CountDownLatch inInsert = new CountDownLatch(1);
    CountDownLatch letItGo = new CountDownLatch(1);
    TaskStore held = new ForwardingTaskStore(store) {
      @Override
      public InsertResult insertMany(InsertRequest request) {
        if (request.claimFor() != null) {
          inInsert.countDown();
          try {
            letItGo.await(WAIT.toSeconds(), TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return super.insertMany(request);
      }
    };
    AtomicInteger runs = new AtomicInteger();
    start(held, 2, (task, payload) -> {
      runs.incrementAndGet();
      return null;
    });
    Thread.sleep(100);
    AtomicReference<Enqueued> enqueued = new AtomicReference<>();
    Thread enqueuer = Thread.ofVirtual().start(() -> enqueued.set(errand.enqueue(TaskSpec.of("t", Json.parse("{}")))));
    assertThat(inInsert.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the offered insert started").isTrue();

    Thread stopper = Thread.ofVirtual().start(errand::stop);
    Thread.sleep(200);
    assertThat(stopper.isAlive()).as("shutdown waits for the hand-off under way").isTrue();
    letItGo.countDown();
    stopper.join(WAIT);
    enqueuer.join(WAIT);
    assertThat(stopper.isAlive()).isFalse();

    // The insert leased the task to the stopping worker: it ran (once) before shutdown ended, or went
    // back to READY; never RUNNING under a lease nobody holds any more.
    assertThat(store.insertClaims()).isEqualTo(1);
    Task after = store.get(enqueued.get().task().id()).orElseThrow();
    assertThat(after.state()).isIn(TaskState.SUCCEEDED, TaskState.READY);
    assertThat(runs.get()).isEqualTo(after.state() == TaskState.SUCCEEDED ? 1 : 0);
  }
}
