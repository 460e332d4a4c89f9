package dev.errand.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Json;
import dev.errand.core.Lease;
import dev.errand.core.RetryPolicy;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.loop.Service;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TimeoutWatchTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final Set<Execution> running = ConcurrentHashMap.newKeySet();
  private final List<Execution> timedOut = new CopyOnWriteArrayList<>();
  private final TimeoutWatch watch = new TimeoutWatch("test", running, e -> {
    if (e.decide(Execution.State.SETTLED)) {
      timedOut.add(e);
    }
  });
  private final Slots slots = new Slots(100);
  private final InMemoryTaskStore store = new InMemoryTaskStore();

  @AfterEach
  void stopWatch() throws InterruptedException {
    watch.stop(Service.deadline(Duration.ofSeconds(5)));
  }

  @Test
  void aRunPastItsDeadlineIsHandedOverOnce() throws InterruptedException {
    watch.start();
    Execution e = startedRun(Duration.ofMillis(50));
    await().atMost(WAIT).until(() -> timedOut.contains(e));
    assertThat(timedOut).containsExactly(e);
    assertThat(e.isRunning()).isFalse();
  }

  @Test
  void aRunThatEndsInTimeIsLeftAlone() throws InterruptedException {
    watch.start();
    Execution quick = startedRun(Duration.ofMillis(100));
    assertThat(quick.decide(Execution.State.SETTLED)).isTrue();
    // A later run past its own deadline shows the watch has looked beyond the quick run's deadline.
    Execution slow = startedRun(Duration.ofMillis(300));
    await().atMost(WAIT).until(() -> timedOut.contains(slow));
    assertThat(timedOut).containsExactly(slow);
  }

  @Test
  void aRunWithAnEarlierDeadlineWakesAWatchSleepingForALaterOne() throws InterruptedException {
    watch.start();
    Execution patient = startedRun(Duration.ofHours(1));
    // Once the watch has looked, it sleeps until the hour is up; this run must wake it, or it would wait the hour.
    await().atMost(WAIT).until(watch::asleep);
    Execution hasty = startedRun(Duration.ofMillis(20));
    await().atMost(WAIT).until(() -> timedOut.contains(hasty));
    assertThat(timedOut).containsExactly(hasty);
    assertThat(patient.isRunning()).isTrue();
  }

  @Test
  void runsNotYetStartedHaveNoDeadline() throws InterruptedException {
    watch.start();
    Execution waiting = new Execution(task(Duration.ofMillis(1)), slots, store, null);
    running.add(waiting);
    Execution other = startedRun(Duration.ofMillis(100));
    await().atMost(WAIT).until(() -> timedOut.contains(other));
    assertThat(waiting.isRunning()).isTrue();
  }

  @Test
  void aStoppedWatchActsOnNothing() throws InterruptedException {
    watch.start();
    watch.stop(Service.deadline(Duration.ofSeconds(5)));
    Execution e = startedRun(Duration.ofMillis(1));
    CountDownLatch never = new CountDownLatch(1);
    // Nothing can be awaited for an absence; a later started watch shows what a live one would have done.
    TimeoutWatch second = new TimeoutWatch("test", running, x -> never.countDown());
    second.start();
    await().atMost(WAIT).until(() -> never.getCount() == 0);
    second.stop(Service.deadline(Duration.ofSeconds(5)));
    assertThat(timedOut).isEmpty();
    assertThat(e.isRunning()).isTrue();
  }

  private Execution startedRun(Duration timeout) {
    Execution e = new Execution(task(timeout), slots, store, null);
    running.add(e);
    e.start(timeout);
    watch.watch(e);
    return e;
  }

  private static Task task(Duration timeout) {
    Instant now = Instant.now();
    return new Task(TaskId.generate(), "q", "t", Json.NULL, 0, TaskState.RUNNING, 1, RetryPolicy.DEFAULT,
        timeout, null, now, now, now, null, new Lease("token", now.plusSeconds(60), "w"), null, null);
  }
}
