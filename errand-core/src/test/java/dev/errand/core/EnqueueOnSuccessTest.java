package dev.errand.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.core.spi.TaskQuery;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A handler's follow-ups ({@link TaskContext#enqueueOnSuccess}) are written with its success and only
 * then: a failed, dead or snoozed run writes none, and a follow-up is resolved with the defaults of an
 * enqueue.
 */
class EnqueueOnSuccessTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private Errand errand;

  private Errand errand() {
    errand = Errand.builder().store(store).queue("default", 4).queue("next", 4).leaseDuration(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(50)).seed(11)
        .typeDefaults("follow", new TypeDefaults(new RetryPolicy(7, Duration.ofSeconds(1), Duration.ofSeconds(2)),
            Duration.ofSeconds(42)))
        .build();
    return errand;
  }

  @AfterEach
  void stop() {
    if (errand != null) {
      errand.stop();
    }
    store.close();
  }

  private Task awaitState(TaskId id, TaskState state) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> errand.get(id).state() == state);
    return errand.get(id);
  }

  private List<Task> tasksOf(String type) {
    return errand.list(new TaskQuery(null, null, type, 100, null)).tasks();
  }

  @Test
  void followUpIsEnqueuedWithTheSuccessResolvedAsAnEnqueueIs() {
    Errand e = errand();
    AtomicReference<TaskId> planned = new AtomicReference<>();
    e.handle("first", Json.class, (task, p) -> {
      planned.set(task.enqueueOnSuccess(TaskSpec.builder("follow").queue("next").build()));
      return null;
    });
    List<TaskId> followed = new CopyOnWriteArrayList<>();
    e.handle("follow", Json.class, TaskHandler.of((task, p) -> followed.add(task.id())));
    e.start();

    TaskId first = e.enqueue(TaskSpec.builder("first").build()).id();
    awaitState(first, TaskState.SUCCEEDED);

    Task next = awaitState(planned.get(), TaskState.SUCCEEDED);
    assertThat(followed).containsExactly(planned.get());
    assertThat(next.queue()).isEqualTo("next");
    assertThat(next.maxAttempts()).as("the type's default retry").isEqualTo(7);
    assertThat(next.timeout()).as("the type's default timeout").isEqualTo(Duration.ofSeconds(42));
  }

  @Test
  void followUpsOfAFailedAttemptAreDroppedAndTheSucceedingAttemptsAreWritten() {
    Errand e = errand();
    e.handle("flaky", Json.class, (task, p) -> {
      task.enqueueOnSuccess(TaskSpec.builder("audit").queue("next").payload(Json.encode(task.attempt())).build());
      if (task.attempt() < 3) {
        throw new IllegalStateException("boom " + task.attempt());
      }
      return null;
    });
    e.start();

    TaskId id = e.enqueue(TaskSpec.builder("flaky").backoff(Duration.ofMillis(20), Duration.ofMillis(40))
        .maxAttempts(5).build()).id();
    awaitState(id, TaskState.SUCCEEDED);

    assertThat(tasksOf("audit")).extracting(t -> t.payload().asString()).containsExactly("3");
  }

  @Test
  void deadOrSnoozedRunWritesNoFollowUp() {
    Errand e = errand();
    e.handle("fatal", Json.class, (task, p) -> {
      task.enqueueOnSuccess(TaskSpec.builder("audit").queue("next").payload(Json.encode("dead")).build());
      throw TaskFailure.permanent("no");
    });
    AtomicInteger runs = new AtomicInteger();
    e.handle("sleepy", Json.class, (task, p) -> {
      boolean first = runs.incrementAndGet() == 1;
      task.enqueueOnSuccess(TaskSpec.builder("audit").queue("next").payload(Json.encode(first ? "snoozed" : "ran"))
          .build());
      if (first) {
        throw TaskFailure.snooze(Duration.ofMillis(10));
      }
      return null;
    });
    e.start();

    awaitState(e.enqueue(TaskSpec.builder("fatal").build()).id(), TaskState.DEAD);
    awaitState(e.enqueue(TaskSpec.builder("sleepy").build()).id(), TaskState.SUCCEEDED);

    assertThat(runs).hasValue(2);
    assertThat(tasksOf("audit")).extracting(t -> t.payload().asString()).containsExactly("\"ran\"");
  }

  @Test
  void enqueueOnSuccessOutsideTheHandlerCallIsRefused() {
    Errand e = errand();
    AtomicReference<TaskContext> kept = new AtomicReference<>();
    e.handle("keep", Json.class, TaskHandler.of((task, p) -> kept.set(task)));
    e.start();
    TaskId id = e.enqueue(TaskSpec.builder("keep").build()).id();
    awaitState(id, TaskState.SUCCEEDED);

    assertThatThrownBy(() -> kept.get().enqueueOnSuccess(TaskSpec.builder("late").build()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("enqueueOnSuccess");
    assertThat(tasksOf("late")).isEmpty();
  }
}
