package dev.errand.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.testkit.FaultInjectingStore;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a broken listener, a broken store wrapper or a runaway handler cannot do to a worker. */
class FailureContainmentTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final List<Errand> errands = new ArrayList<>();

  @AfterEach
  void stop() {
    errands.forEach(Errand::close);
  }

  private Errand errand(Errand.Builder b) {
    Errand e = b.queue("default", 8).pollInterval(Duration.ofMillis(50)).seed(7).build();
    errands.add(e);
    return e;
  }

  private static long count(Errand errand, TaskState state) {
    return errand.queues().stream().mapToLong(q -> q.count(state)).sum();
  }

  @Test
  void listenerThatThrowsFromEveryCallbackNeitherFailsEnqueuesNorStopsWorkers() {
    AtomicInteger enqueued = new AtomicInteger();
    AtomicInteger claimed = new AtomicInteger();
    AtomicInteger succeeded = new AtomicInteger();
    ErrandListener throwing = new ErrandListener() {
      @Override
      public void enqueued(Task task) {
        enqueued.incrementAndGet();
        throw new IllegalStateException("listener bug in enqueued");
      }

      @Override
      public void claimed(Task task) {
        claimed.incrementAndGet();
        throw new UnsupportedOperationException("listener bug in claimed");
      }

      @Override
      public void succeeded(Task task, Duration runTime) {
        succeeded.incrementAndGet();
        throw new NullPointerException("listener bug in succeeded");
      }
    };
    Errand errand = errand(Errand.builder().store(new InMemoryTaskStore()).listener(throwing));
    errand.handle("noop", Json.class, (task, payload) -> null);
    errand.start();

    List<TaskId> ids = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Enqueued e = errand.enqueue(TaskSpec.of("noop", i));
      assertThat(e.created()).isTrue();
      ids.add(e.task().id());
    }

    await().atMost(WAIT).until(() -> count(errand, TaskState.SUCCEEDED) == 200);
    assertThat(ids).doesNotHaveDuplicates().allSatisfy(id ->
        assertThat(errand.get(id).state()).isEqualTo(TaskState.SUCCEEDED));
    await().atMost(WAIT).until(() -> succeeded.get() == 200);
    assertThat(enqueued).hasValue(200);
    assertThat(claimed).hasValue(200);
  }

  @Test
  void completerRetriesAStoreWrapperThatThrowsIllegalStateException() {
    FaultInjectingStore store = new FaultInjectingStore(new InMemoryTaskStore())
        .failNext(FaultInjectingStore.Op.COMPLETE, 1);
    Errand errand = errand(Errand.builder().store(store));
    errand.handle("noop", Json.class, (task, payload) -> null);
    errand.start();
    for (int i = 0; i < 50; i++) {
      errand.enqueue(TaskSpec.of("noop", i));
    }

    await().atMost(WAIT).until(() -> count(errand, TaskState.SUCCEEDED) == 50);
    assertThat(store.failuresLeft(FaultInjectingStore.Op.COMPLETE)).isZero();
    assertThat(count(errand, TaskState.RUNNING)).isZero();
  }

  @Test
  void handlerThatOverflowsItsStackEndsItsAttemptWithTheErrorAndLaterTasksRun() {
    Errand errand = errand(Errand.builder().store(new InMemoryTaskStore()));
    errand.handle("recurse", Json.class, (task, payload) -> recurse(1));
    errand.handle("noop", Json.class, (task, payload) -> "ok");
    errand.start();

    TaskId deep = errand.enqueue(TaskSpec.builder("recurse").maxAttempts(2)
        .backoff(Duration.ofMillis(10), Duration.ofMillis(10)).build()).task().id();
    Task dead = awaitState(errand, deep, TaskState.DEAD);
    assertThat(dead.attempt()).isEqualTo(2);
    assertThat(dead.lastError()).contains("java.lang.StackOverflowError");

    List<TaskId> later = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      later.add(errand.enqueue(TaskSpec.of("noop", i)).task().id());
    }
    for (TaskId id : later) {
      assertThat(awaitState(errand, id, TaskState.SUCCEEDED).result()).isEqualTo(Json.encode("ok"));
    }
  }

  private static int recurse(int depth) {
    return recurse(depth + 1) + 1;
  }

  private static Task awaitState(Errand errand, TaskId id, TaskState state) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> errand.get(id).state() == state);
    return errand.get(id);
  }
}
