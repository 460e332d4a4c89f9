package dev.errand.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.core.CompletionStatus;
import dev.errand.core.Enqueued;
import dev.errand.core.Errand;
import dev.errand.core.ErrandListener;
import dev.errand.core.IdempotencyConflictException;
import dev.errand.core.Json;
import dev.errand.core.PayloadTooLargeException;
import dev.errand.core.QueueLimits;
import dev.errand.core.RetryPolicy;
import dev.errand.core.TypeDefaults;
import dev.errand.core.StaleLeaseException;
import dev.errand.core.Task;
import dev.errand.core.TaskFailure;
import dev.errand.core.TaskHandler;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.WorkerCompletion;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The runtime's guarantees, run against every store: each store's test module subclasses this with
 * {@link #newStore()}. Timings are short real durations, since a store's clock may be its server's.
 */
public abstract class ErrandConformanceTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  protected TaskStore store;
  private final List<Errand> errands = new ArrayList<>();

  /** A fresh, empty store. */
  protected abstract TaskStore newStore();

  @BeforeEach
  void openStore() {
    store = newStore();
  }

  @AfterEach
  void closeAll() {
    errands.forEach(Errand::stop);
    store.close();
  }

  /** An Errand on the test's store with fast timings; {@code config} adjusts it before build. */
  protected Errand errand(Consumer<Errand.Builder> config) {
    Errand.Builder b = Errand.builder().store(store).queue("default", 8)
        .leaseDuration(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
        .shutdownGrace(Duration.ofSeconds(5)).seed(42);
    config.accept(b);
    Errand e = b.build();
    errands.add(e);
    return e;
  }

  protected Task awaitState(Errand errand, TaskId id, TaskState state) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(10))
        .until(() -> errand.get(id).state() == state);
    return errand.get(id);
  }

  record Greeting(String name) {}

  /** As {@link TaskStoreConformanceTest#keepsProgress()}: false skips the progress tests. */
  protected boolean keepsProgress() {
    return true;
  }

  @Test
  void awaitAnswersWhenARemoteWorkerFinishesTheTaskAndAtTheDeadlineOtherwise() throws Exception {
    Errand errand = errand(b -> {});
    Enqueued e = errand.enqueue(TaskSpec.builder("remote").build());
    Task early = errand.await(e.id(), Duration.ofMillis(200));
    assertThat(early.state()).as("answered at the deadline, unfinished").isEqualTo(TaskState.READY);

    var waiting = errand.awaitAsync(e.id(), Duration.ofSeconds(30));
    Task running = errand.claim("default", 1, Duration.ofSeconds(5), "remote-1", Duration.ZERO).getFirst();
    assertThat(waiting).isNotDone();
    errand.complete(running.id(), running.lease().token(), Json.parse("{\"ok\":1}"));
    Task done = waiting.get(10, TimeUnit.SECONDS);
    assertThat(done.state()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(done.result().asString()).isEqualTo("{\"ok\":1}");
    // A finished task is answered at once, however long the wait asked for.
    assertThat(errand.awaitAsync(e.id(), Duration.ofHours(1))).isCompletedWithValueMatching(
        t -> t.state() == TaskState.SUCCEEDED);
    assertThatThrownBy(() -> errand.await(TaskId.of("no-such-task"), Duration.ofSeconds(1)))
        .isInstanceOf(dev.errand.core.TaskNotFoundException.class);
  }

  @Test
  void awaitHearsDeathsCancelsAndInProcessSuccesses() throws Exception {
    Errand errand = errand(b -> {});
    CountDownLatch release = new CountDownLatch(1);
    errand.handle("slow", Json.class, (task, p) -> {
      release.await();
      return "done";
    });
    errand.start();
    Enqueued slow = errand.enqueue(TaskSpec.builder("slow").build());
    Enqueued later = errand.enqueue(TaskSpec.builder("other").queue("elsewhere").delay(Duration.ofHours(1)).build());
    Enqueued broken = errand.enqueue(TaskSpec.builder("broken").queue("remote").build());
    var slowDone = errand.awaitAsync(slow.id(), Duration.ofSeconds(30));
    var cancelled = errand.awaitAsync(later.id(), Duration.ofSeconds(30));
    var dead = errand.awaitAsync(broken.id(), Duration.ofSeconds(30));

    errand.cancel(later.id());
    assertThat(cancelled.get(10, TimeUnit.SECONDS).state()).isEqualTo(TaskState.CANCELLED);
    Task b = errand.claim("remote", 1, Duration.ofSeconds(5), "remote-1", Duration.ZERO).getFirst();
    errand.fail(b.id(), b.lease().token(), "bad input", false);
    assertThat(dead.get(10, TimeUnit.SECONDS).state()).isEqualTo(TaskState.DEAD);
    assertThat(slowDone).isNotDone();
    release.countDown();
    assertThat(slowDone.get(10, TimeUnit.SECONDS).state()).isEqualTo(TaskState.SUCCEEDED);
  }

  @Test
  void awaitSeesAFinishOnAnotherNodeOfTheSameStore() throws Exception {
    Errand waiter = errand(b -> b.runWorkers(false));
    Errand other = errand(b -> {});
    Enqueued e = waiter.enqueue(TaskSpec.builder("remote").build());
    var waiting = waiter.awaitAsync(e.id(), Duration.ofSeconds(40));
    Task running = other.claim("default", 1, Duration.ofSeconds(5), "remote-1", Duration.ZERO).getFirst();
    other.complete(running.id(), running.lease().token(), Json.NULL);
    // The waiter's process heard nothing; its shared recheck finds the finish.
    assertThat(waiting.get(20, TimeUnit.SECONDS).state()).isEqualTo(TaskState.SUCCEEDED);
  }

  @Test
  void handlerProgressIsWrittenByTheNextHeartbeatAndKeptWithTheTask() throws Exception {
    org.assertj.core.api.Assumptions.assumeThat(keepsProgress()).as("store keeps progress").isTrue();
    Errand errand = errand(b -> b.heartbeatInterval(Duration.ofMillis(100)));
    CountDownLatch seen = new CountDownLatch(1);
    errand.handle("long", Json.class, (task, p) -> {
      task.progress(new Greeting("half way"));
      assertThatThrownBy(() -> task.progress("x".repeat(Task.MAX_PROGRESS_BYTES)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("progress");
      seen.await();
      return null;
    });
    errand.start();
    Enqueued e = errand.enqueue(TaskSpec.builder("long").build());
    await().atMost(WAIT).until(() -> errand.get(e.id()).progress() != null);
    assertThat(errand.get(e.id()).progress()).isEqualTo(Json.parse("{\"name\":\"half way\"}"));
    seen.countDown();
    Task done = awaitState(errand, e.id(), TaskState.SUCCEEDED);
    assertThat(done.progress()).isEqualTo(Json.parse("{\"name\":\"half way\"}"));
  }

  @Test
  void remoteHeartbeatCarriesProgressAndAnUnknownTaskIsNotFound() throws Exception {
    Errand errand = errand(b -> {});
    Enqueued e = errand.enqueue(TaskSpec.builder("remote").build());
    Task running = errand.claim("default", 1, Duration.ofSeconds(5), "remote-1", Duration.ZERO).getFirst();
    if (keepsProgress()) {
      errand.heartbeat(e.id(), running.lease().token(), Duration.ofSeconds(5), Json.parse("[1,2]"));
      assertThat(errand.get(e.id()).progress()).isEqualTo(Json.parse("[1,2]"));
    }
    assertThatThrownBy(() -> errand.heartbeat(e.id(), running.lease().token(), Duration.ofSeconds(5),
        Json.parse("\"" + "x".repeat(Task.MAX_PROGRESS_BYTES) + "\""))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> errand.heartbeat(TaskId.of("no-such-task"), "t", Duration.ofSeconds(5)))
        .isInstanceOf(dev.errand.core.TaskNotFoundException.class);
    assertThatThrownBy(() -> errand.heartbeat(e.id(), "not-the-token", Duration.ofSeconds(5)))
        .isInstanceOf(StaleLeaseException.class);
  }

  @Test
  void remoteFailRetriesNoSoonerThanRetryAfterAndSnoozeKeepsTheAttempt() throws Exception {
    Errand errand = errand(b -> {});
    Enqueued e = errand.enqueue(TaskSpec.builder("remote").maxAttempts(3)
        .backoff(Duration.ofMillis(10), Duration.ofMillis(10)).build());
    Task first = errand.claim("default", 1, Duration.ofSeconds(5), "remote-1", Duration.ZERO).getFirst();
    Instant before = Instant.now();
    errand.fail(e.id(), first.lease().token(), "rate limited", true, Duration.ofMinutes(10));
    Task retrying = errand.get(e.id());
    assertThat(retrying.state()).isEqualTo(TaskState.RETRYING);
    assertThat(retrying.runAt()).isAfter(before.plus(Duration.ofMinutes(9)));

    errand.runNow(dev.errand.core.spi.RunNowRequest.of(e.id()));
    Task second = errand.claim("default", 1, Duration.ofSeconds(5), "remote-1", Duration.ofSeconds(10)).getFirst();
    assertThat(second.attempt()).isEqualTo(2);
    errand.snooze(e.id(), second.lease().token(), Duration.ofMinutes(5));
    Task snoozed = errand.get(e.id());
    assertThat(snoozed.state()).isEqualTo(TaskState.SCHEDULED);
    assertThat(snoozed.attempt()).as("a snooze burns no attempt").isEqualTo(1);
    assertThat(snoozed.runAt()).isAfter(before.plus(Duration.ofMinutes(4)));
    assertThatThrownBy(() -> errand.snooze(e.id(), second.lease().token(), Duration.ZERO))
        .isInstanceOf(StaleLeaseException.class);

    errand.runNow(dev.errand.core.spi.RunNowRequest.of(e.id()));
    Task third = errand.claim("default", 1, Duration.ofSeconds(5), "remote-1", Duration.ofSeconds(10)).getFirst();
    assertThat(third.attempt()).isEqualTo(2);
    // retryAfter never revives a task that has no attempts left or a non-retryable error.
    errand.fail(e.id(), third.lease().token(), "bad input", false, Duration.ofMinutes(10));
    assertThat(errand.get(e.id()).state()).isEqualTo(TaskState.DEAD);
  }

  @Test
  void bulkCancelAndRetryActOnWhatTheFilterMatchesAndADryRunCounts() throws Exception {
    Errand errand = errand(b -> b.runWorkers(false));
    for (int i = 0; i < 3; i++) {
      errand.enqueue(TaskSpec.builder("report").queue("bulk").delay(Duration.ofHours(1)).build());
    }
    Enqueued other = errand.enqueue(TaskSpec.builder("email").queue("bulk").delay(Duration.ofHours(1)).build());
    Enqueued elsewhere = errand.enqueue(TaskSpec.builder("report").queue("other").build());
    TaskQuery reports = new TaskQuery("bulk", null, "report", 1, null);

    assertThat(errand.cancelMatching(reports, true)).isEqualTo(3);
    assertThat(errand.list(new TaskQuery("bulk", TaskState.CANCELLED, null, 10, null)).tasks()).isEmpty();
    assertThat(errand.cancelMatching(reports, false)).isEqualTo(3);
    assertThat(errand.cancelMatching(reports, true)).isZero();
    assertThat(errand.get(other.id()).state()).isEqualTo(TaskState.SCHEDULED);
    assertThat(errand.get(elsewhere.id()).state()).isEqualTo(TaskState.READY);
    assertThatThrownBy(() -> errand.cancelMatching(new TaskQuery(null, TaskState.SUCCEEDED, null, 1, null), true))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("state");

    Enqueued doomed = errand.enqueue(TaskSpec.builder("doomed").queue("bulk2").build());
    Task d = errand.claim("bulk2", 1, Duration.ofSeconds(5), "remote-1", Duration.ZERO).getFirst();
    errand.fail(d.id(), d.lease().token(), "bad", false);
    TaskQuery bulk2 = new TaskQuery("bulk2", null, null, 1, null);
    Enqueued waiting = errand.enqueue(TaskSpec.builder("later").queue("bulk2").delay(Duration.ofHours(1)).build());
    assertThat(errand.retryMatching(bulk2, true)).isEqualTo(2);
    assertThat(errand.retryMatching(bulk2, false)).isEqualTo(2);
    assertThat(errand.get(doomed.id()).state()).isEqualTo(TaskState.READY);
    assertThat(errand.get(waiting.id()).state()).isEqualTo(TaskState.READY);
    assertThat(errand.retryMatching(bulk2, true)).isZero();
  }

  @Test
  void handlerResultIsStoredWithTheSucceededTask() {
    Errand errand = errand(b -> {});
    errand.handle("greet", Greeting.class, (task, g) -> Map.of("hello", g.name()));
    errand.start();
    Enqueued e = errand.enqueue(TaskSpec.of("greet", new Greeting("ada")));
    Task done = awaitState(errand, e.id(), TaskState.SUCCEEDED);
    assertThat(done.result().asString()).isEqualTo("{\"hello\":\"ada\"}");
    assertThat(done.attempt()).isEqualTo(1);
    assertThat(done.startedAt()).isNotNull();
    assertThat(done.finishedAt()).isNotNull();
    assertThat(done.lease()).isNull();
  }

  @Test
  void payloadReachesTheHandlerAsTheBytesEnqueued() {
    Errand errand = errand(b -> {});
    List<String> seen = new CopyOnWriteArrayList<>();
    errand.handle("raw", Json.class, TaskHandler.of((task, json) -> seen.add(json.asString())));
    errand.start();
    String payload = "{ \"b\" : 1,\n \"a\" : [\"é\", 2.50] }";
    Enqueued e = errand.enqueue(TaskSpec.builder("raw").payload(Json.parse(payload)).build());
    awaitState(errand, e.id(), TaskState.SUCCEEDED);
    assertThat(seen).containsExactly(payload);
  }

  @Test
  void failedAttemptsRetryWithBackoffWithinBounds() {
    Errand errand = errand(b -> {});
    List<Instant> starts = new CopyOnWriteArrayList<>();
    errand.handle("flaky", Json.class, (task, p) -> {
      starts.add(Instant.now());
      if (task.attempt() < 3) {
        throw new IllegalStateException("boom " + task.attempt());
      }
      return "ok";
    });
    errand.start();
    Enqueued e = errand.enqueue(TaskSpec.builder("flaky")
        .backoff(Duration.ofMillis(200), Duration.ofMillis(400)).maxAttempts(5).build());
    Task done = awaitState(errand, e.id(), TaskState.SUCCEEDED);
    assertThat(done.attempt()).isEqualTo(3);
    assertThat(done.lastError()).contains("boom 2");
    assertThat(starts).hasSize(3);
    // attempt 1 failed: wait in [200, 200] ms; attempt 2 failed: wait in [200, 400] ms.
    assertThat(Duration.between(starts.get(0), starts.get(1))).isBetween(Duration.ofMillis(190), Duration.ofMillis(2000));
    assertThat(Duration.between(starts.get(1), starts.get(2))).isBetween(Duration.ofMillis(190), Duration.ofMillis(2200));
  }

  @Test
  void taskIsDeadAfterMaxAttempts() {
    Errand errand = errand(b -> {});
    AtomicInteger calls = new AtomicInteger();
    errand.handle("always_fails", Json.class, (task, p) -> {
      calls.incrementAndGet();
      throw new RuntimeException("nope");
    });
    errand.start();
    Enqueued e = errand.enqueue(TaskSpec.builder("always_fails")
        .backoff(Duration.ofMillis(10), Duration.ofMillis(20)).maxAttempts(3).build());
    Task dead = awaitState(errand, e.id(), TaskState.DEAD);
    assertThat(dead.attempt()).isEqualTo(3);
    assertThat(calls).hasValue(3);
    assertThat(dead.lastError()).contains("RuntimeException").contains("nope");
    assertThat(dead.finishedAt()).isNotNull();
  }

  @Test
  void permanentFailureGoesStraightToDead() {
    Errand errand = errand(b -> {});
    errand.handle("charge", Json.class, (task, p) -> {
      throw TaskFailure.permanent("card declined");
    });
    errand.start();
    Enqueued e = errand.enqueue(TaskSpec.builder("charge").maxAttempts(10).build());
    Task dead = awaitState(errand, e.id(), TaskState.DEAD);
    assertThat(dead.attempt()).isEqualTo(1);
    assertThat(dead.lastError()).contains("card declined");
  }

  @Test
  void snoozeRunsAgainLaterWithoutBurningAnAttempt() {
    Errand errand = errand(b -> {});
    AtomicInteger calls = new AtomicInteger();
    errand.handle("poll", Json.class, (task, p) -> {
      if (calls.incrementAndGet() < 3) {
        throw TaskFailure.snooze(Duration.ofMillis(50));
      }
      return null;
    });
    errand.start();
    Enqueued e = errand.enqueue(TaskSpec.builder("poll").maxAttempts(1).build());
    Task done = awaitState(errand, e.id(), TaskState.SUCCEEDED);
    assertThat(calls).hasValue(3);
    assertThat(done.attempt()).isEqualTo(1);
  }

  @Test
  void timeoutInterruptsTheHandlerAndCountsAsAFailedAttempt() {
    Errand errand = errand(b -> {});
    AtomicBoolean interrupted = new AtomicBoolean();
    errand.handle("slow", Json.class, (task, p) -> {
      try {
        Thread.sleep(30_000);
      } catch (InterruptedException ie) {
        interrupted.set(true);
        throw ie;
      }
      return null;
    });
    errand.start();
    Enqueued e = errand.enqueue(TaskSpec.builder("slow").timeout(Duration.ofMillis(200)).maxAttempts(1).build());
    Task dead = awaitState(errand, e.id(), TaskState.DEAD);
    assertThat(dead.lastError()).contains("timed out after");
    await().atMost(WAIT).untilTrue(interrupted);
  }

  @Test
  void unknownTypeGoesDeadWithTheReason() {
    Errand errand = errand(b -> {});
    errand.handle("known", Json.class, (task, p) -> null);
    errand.start();
    Enqueued e = errand.enqueue(TaskSpec.builder("unknown_type").build());
    Task dead = awaitState(errand, e.id(), TaskState.DEAD);
    assertThat(dead.lastError()).contains("no handler for type unknown_type");
  }

  @Test
  void payloadThatDoesNotDecodeGoesDeadWithTheReason() {
    Errand errand = errand(b -> {});
    errand.handle("greet", Greeting.class, (task, g) -> null);
    errand.start();
    Enqueued e = errand.enqueue(TaskSpec.builder("greet").payload(Json.parse("[1,2,3]")).build());
    Task dead = awaitState(errand, e.id(), TaskState.DEAD);
    assertThat(dead.lastError()).contains("payload does not decode as");
    assertThat(dead.attempt()).isEqualTo(1);
  }

  @Test
  void gracefulShutdownLetsRunningTasksFinish() throws Exception {
    Errand errand = errand(b -> {});
    CountDownLatch started = new CountDownLatch(1);
    errand.handle("work", Json.class, (task, p) -> {
      started.countDown();
      Thread.sleep(300);
      return "finished";
    });
    errand.start();
    Enqueued e = errand.enqueue(TaskSpec.builder("work").build());
    assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
    errand.stop();
    Task t = errand.get(e.id());
    assertThat(t.state()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(t.result().asString()).isEqualTo("\"finished\"");
  }

  @Test
  void shutdownReleasesUnfinishedTasksWithoutBurningAnAttempt() throws Exception {
    Errand errand = errand(b -> b.shutdownGrace(Duration.ofMillis(200)));
    CountDownLatch started = new CountDownLatch(1);
    errand.handle("stuck", Json.class, (task, p) -> {
      started.countDown();
      Thread.sleep(60_000);
      return null;
    });
    errand.start();
    Enqueued e = errand.enqueue(TaskSpec.builder("stuck").maxAttempts(1).build());
    assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
    errand.stop();
    Task t = errand.get(e.id());
    assertThat(t.state()).isEqualTo(TaskState.READY);
    assertThat(t.attempt()).isZero();
    assertThat(t.lease()).isNull();
  }

  @Test
  void queueConcurrencyLimitIsNeverExceeded() {
    Errand errand = errand(b -> b.queue("limited", 3));
    AtomicInteger now = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    errand.handle("busy", Json.class, (task, p) -> {
      max.accumulateAndGet(now.incrementAndGet(), Math::max);
      Thread.sleep(20);
      now.decrementAndGet();
      return null;
    });
    errand.start();
    List<TaskSpec> specs = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      specs.add(TaskSpec.builder("busy").queue("limited").build());
    }
    errand.enqueueMany(specs);
    await().atMost(WAIT).until(() -> errand.list(new TaskQuery("limited", TaskState.SUCCEEDED, null, 100, null))
        .tasks().size() == 30);
    assertThat(max.get()).isBetween(1, 3);
  }

  @Test
  void clusterConcurrencyCapHoldsAcrossNodesAsTheHandlersSeeIt() {
    // Two nodes with 6 slots each share one store; the queue's cap of 3 is the store's, not a node's.
    AtomicInteger now = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    TaskHandler<Json> handler = (task, p) -> {
      max.accumulateAndGet(now.incrementAndGet(), Math::max);
      Thread.sleep(15);
      now.decrementAndGet();
      return null;
    };
    Errand a = errand(b -> b.queue("capped", 6).workerId("node-a"));
    Errand b = errand(c -> c.queue("capped", 6).workerId("node-b"));
    a.limits("capped", QueueLimits.concurrency(3));
    a.handle("busy", Json.class, handler);
    b.handle("busy", Json.class, handler);
    List<TaskSpec> specs = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      specs.add(TaskSpec.builder("busy").queue("capped").build());
    }
    a.enqueueMany(specs);
    a.start();
    b.start();
    await().atMost(WAIT).until(() -> a.list(new TaskQuery("capped", TaskState.SUCCEEDED, null, 100, null))
        .tasks().size() == 60);
    assertThat(max.get()).isBetween(1, 3);
    assertThat(a.queues()).filteredOn(q -> q.queue().equals("capped")).singleElement()
        .satisfies(q -> assertThat(q.limits()).isEqualTo(QueueLimits.concurrency(3)));
  }

  @Test
  void everyTaskRunsExactlyOnceWhenNoLeaseExpires() {
    Errand errand = errand(b -> b.queue("bulk", 16));
    Map<TaskId, AtomicInteger> runs = new ConcurrentHashMap<>();
    errand.handle("count", Json.class, (task, p) -> {
      runs.computeIfAbsent(task.id(), k -> new AtomicInteger()).incrementAndGet();
      return null;
    });
    errand.start();
    int n = 2000;
    for (int batch = 0; batch < n / 200; batch++) {
      List<TaskSpec> specs = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        specs.add(TaskSpec.of("count", Map.of("i", batch * 200 + i)).queue("bulk"));
      }
      errand.enqueueMany(specs);
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> errand.queues().stream()
        .mapToLong(q -> q.count(TaskState.SUCCEEDED)).sum() == n);
    assertThat(runs).hasSize(n);
    assertThat(runs.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(1));
  }

  @Test
  void crashedWorkersTaskRunsAgainAfterItsLeaseExpires() {
    Errand enqueuer = errand(b -> {});
    Enqueued e = enqueuer.enqueue(TaskSpec.builder("job").build());
    // A worker that claims and then dies: it never heartbeats or completes.
    List<Task> claimed = store.claim(new ClaimRequest("default", 1, Duration.ofMillis(400), "dead-worker")).tasks();
    assertThat(claimed).extracting(Task::id).containsExactly(e.id());

    Errand survivor = errand(b -> {});
    survivor.handle("job", Json.class, (task, p) -> task.attempt());
    survivor.start();
    Task done = awaitState(survivor, e.id(), TaskState.SUCCEEDED);
    assertThat(done.attempt()).isEqualTo(2);
    assertThat(done.result().asString()).isEqualTo("2");
    assertThatThrownBy(() -> survivor.complete(e.id(), claimed.get(0).lease().token(), Json.NULL))
        .isInstanceOf(StaleLeaseException.class);
  }

  @Test
  void remoteWorkersLostLeaseIsSweptRecordedAndReportedOnce() {
    List<Task> lost = new CopyOnWriteArrayList<>();
    Errand node = errand(b -> b.runWorkers(false).leaseSweepInterval(Duration.ofMillis(100))
        .listener(new ErrandListener() {
          @Override
          public void leaseLost(Task task) {
            lost.add(task);
          }
        }));
    node.start();
    Enqueued e = node.enqueue(TaskSpec.builder("job").maxAttempts(3).build());
    // A worker that claims and then vanishes; nobody claims the queue afterwards.
    Task claimed = store.claim(new ClaimRequest("default", 1, Duration.ofMillis(300), "vanished")).tasks().getFirst();

    Task ready = awaitState(node, e.id(), TaskState.READY);

    assertThat(ready.attempt()).isEqualTo(1);
    assertThat(node.errors(e.id())).singleElement().satisfies(err -> {
      assertThat(err.workerId()).isEqualTo("vanished");
      assertThat(err.error()).isEqualTo("lease expired on worker vanished");
    });
    assertThat(lost).singleElement().satisfies(t -> assertThat(t.lease()).isEqualTo(claimed.lease()));
    assertThatThrownBy(() -> node.complete(e.id(), claimed.lease().token(), Json.NULL))
        .isInstanceOf(StaleLeaseException.class);
    assertThat(lost).as("the stale completion is not a second loss").hasSize(1);
  }

  @Test
  void heartbeatKeepsALongTaskLeased() {
    Errand errand = errand(b -> b.leaseDuration(Duration.ofMillis(600)).heartbeatInterval(Duration.ofMillis(100)));
    AtomicInteger runs = new AtomicInteger();
    errand.handle("long", Json.class, (task, p) -> {
      runs.incrementAndGet();
      Thread.sleep(2000);
      return null;
    });
    errand.start();
    Enqueued e = errand.enqueue(TaskSpec.builder("long").build());
    Task done = awaitState(errand, e.id(), TaskState.SUCCEEDED);
    assertThat(done.attempt()).isEqualTo(1);
    assertThat(runs).hasValue(1);
  }

  @Test
  void cancellingARunningTaskInterruptsItsHandlerAndKeepsItCancelled() throws Exception {
    List<Task> lost = new CopyOnWriteArrayList<>();
    Errand errand = errand(b -> b.leaseDuration(Duration.ofMillis(900)).heartbeatInterval(Duration.ofMillis(100))
        .listener(new ErrandListener() {
          @Override
          public void leaseLost(Task task) {
            lost.add(task);
          }
        }));
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    errand.handle("cancel_me", Json.class, (task, p) -> {
      started.countDown();
      try {
        Thread.sleep(30_000);
      } catch (InterruptedException ie) {
        interrupted.set(true);
      }
      return "should be discarded";
    });
    errand.start();
    Enqueued e = errand.enqueue(TaskSpec.builder("cancel_me").build());
    assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
    errand.cancel(e.id());
    await().atMost(WAIT).untilTrue(interrupted);
    await().atMost(WAIT).until(() -> !lost.isEmpty());
    Task t = errand.get(e.id());
    assertThat(t.state()).isEqualTo(TaskState.CANCELLED);
    assertThat(t.result()).isNull();
  }

  @Test
  void idempotentEnqueueReturnsTheFirstTaskAndRefusesADifferentSpec() {
    Errand errand = errand(b -> {});
    Enqueued first = errand.enqueue(TaskSpec.of("mail", Map.of("to", "a")).idempotencyKey("k1"));
    Enqueued again = errand.enqueue(TaskSpec.of("mail", Map.of("to", "a")).idempotencyKey("k1"));
    assertThat(first.created()).isTrue();
    assertThat(again.created()).isFalse();
    assertThat(again.id()).isEqualTo(first.id());
    assertThatThrownBy(() -> errand.enqueue(TaskSpec.of("mail", Map.of("to", "b")).idempotencyKey("k1")))
        .isInstanceOf(IdempotencyConflictException.class);
    assertThat(errand.list(TaskQuery.all(10)).tasks()).hasSize(1);
  }

  @Test
  void oversizePayloadIsRefusedAndNothingIsWritten() {
    Errand errand = errand(b -> b.maxPayloadBytes(100));
    String big = "\"" + "x".repeat(200) + "\"";
    assertThatThrownBy(() -> errand.enqueueMany(List.of(TaskSpec.builder("t").build(),
        TaskSpec.builder("t").payload(Json.parse(big)).build())))
        .isInstanceOf(PayloadTooLargeException.class);
    assertThat(errand.list(TaskQuery.all(10)).tasks()).isEmpty();
  }

  @Test
  void finishedTasksArePrunedAfterRetentionButDeadOnesStay() {
    Errand errand = errand(b -> b.retention(Duration.ofMillis(200)).pruneInterval(Duration.ofMillis(100)));
    errand.handle("ok", Json.class, (task, p) -> null);
    errand.handle("bad", Json.class, (task, p) -> {
      throw TaskFailure.permanent("bad");
    });
    errand.start();
    Enqueued ok = errand.enqueue(TaskSpec.builder("ok").build());
    Enqueued bad = errand.enqueue(TaskSpec.builder("bad").build());
    awaitState(errand, bad.id(), TaskState.DEAD);
    await().atMost(WAIT).until(() -> errand.find(ok.id()).isEmpty());
    assertThat(errand.get(bad.id()).state()).isEqualTo(TaskState.DEAD);
  }

  @Test
  void remoteWorkerProtocolIsFencedByTheLeaseToken() throws Exception {
    Errand errand = errand(b -> {});
    Enqueued e = errand.enqueue(TaskSpec.builder("remote").maxAttempts(2)
        .backoff(Duration.ofMillis(10), Duration.ofMillis(10)).build());
    List<Task> claimed = errand.claim("default", 5, Duration.ofSeconds(5), "remote-1", Duration.ZERO);
    assertThat(claimed).hasSize(1);
    String token = claimed.get(0).lease().token();
    assertThat(errand.heartbeat(e.id(), token, Duration.ofSeconds(5))).isAfter(Instant.now().minusSeconds(1));
    assertThatThrownBy(() -> errand.complete(e.id(), "not-the-token", Json.NULL)).isInstanceOf(StaleLeaseException.class);
    errand.fail(e.id(), token, "try again", true);
    assertThat(errand.get(e.id()).state()).isEqualTo(TaskState.RETRYING);
    assertThatThrownBy(() -> errand.heartbeat(e.id(), token, Duration.ofSeconds(5))).isInstanceOf(StaleLeaseException.class);

    List<Task> again = errand.claim("default", 5, Duration.ofSeconds(5), "remote-1", Duration.ofSeconds(10));
    assertThat(again).extracting(Task::attempt).containsExactly(2);
    errand.complete(e.id(), again.get(0).lease().token(), Json.parse("{\"done\":true}"));
    Task done = errand.get(e.id());
    assertThat(done.state()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(done.result().asString()).isEqualTo("{\"done\":true}");
  }

  @Test
  void remoteWorkerOutcomesReachTheListener() throws Exception {
    List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    Errand errand = errand(b -> b.listener(new ErrandListener() {
      @Override public void enqueued(Task t) { heard.add("enqueued " + t.type()); }
      @Override public void claimed(Task t) { heard.add("claimed " + t.type() + " " + t.attempt()); }
      @Override public void succeeded(Task t, Duration runTime) {
        heard.add("succeeded " + t.type() + (runTime.isNegative() ? " negative" : ""));
      }
      @Override public void retrying(Task t, String error, Duration retryIn) { heard.add("retrying " + t.type() + " " + error); }
      @Override public void dead(Task t, String error) { heard.add("dead " + t.type() + " " + error); }
    }));
    errand.enqueue(TaskSpec.builder("flaky").maxAttempts(2).backoff(Duration.ofMillis(10), Duration.ofMillis(10)).build());
    Task first = errand.claim("default", 1, Duration.ofSeconds(5), "remote-1", Duration.ZERO).get(0);
    errand.fail(first.id(), first.lease().token(), "try again", true);
    Task second = errand.claim("default", 1, Duration.ofSeconds(5), "remote-1", Duration.ofSeconds(10)).get(0);
    errand.complete(second.id(), second.lease().token(), Json.NULL);
    errand.enqueue(TaskSpec.builder("broken").build());
    Task third = errand.claim("default", 1, Duration.ofSeconds(5), "remote-1", Duration.ofSeconds(10)).get(0);
    errand.fail(third.id(), third.lease().token(), "bad input", false);
    assertThat(heard).containsExactly("enqueued flaky", "claimed flaky 1", "retrying flaky try again",
        "claimed flaky 2", "succeeded flaky", "enqueued broken", "claimed broken 1", "dead broken bad input");
  }

  @Test
  void remoteBatchCompletionAnswersEachTaskAndGivesTheListenerTheCompletedTasks() throws Exception {
    List<Task> succeeded = new CopyOnWriteArrayList<>();
    List<Duration> runTimes = new CopyOnWriteArrayList<>();
    Errand errand = errand(b -> b.listener(new ErrandListener() {
      @Override public void succeeded(Task t, Duration runTime) {
        succeeded.add(t);
        runTimes.add(runTime);
      }
    }));
    for (int i = 0; i < 3; i++) {
      errand.enqueue(TaskSpec.builder("remote").build());
    }
    List<Task> claimed = errand.claim("default", 3, Duration.ofSeconds(30), "remote-1", Duration.ZERO);
    assertThat(claimed).hasSize(3);
    Task one = claimed.get(0);
    Task two = claimed.get(1);
    Task three = claimed.get(2);

    assertThatThrownBy(() -> errand.completeMany(List.of(new WorkerCompletion(one.id(), one.lease().token(), Json.NULL),
        new WorkerCompletion(one.id(), one.lease().token(), Json.NULL))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("completions[1]");
    assertThat(errand.get(one.id()).state()).as("a refused batch completes nothing").isEqualTo(TaskState.RUNNING);

    List<CompletionStatus> statuses = errand.completeMany(List.of(
        new WorkerCompletion(one.id(), one.lease().token(), Json.parse("{\"n\":1}")),
        new WorkerCompletion(two.id(), "not-the-token", Json.NULL),
        new WorkerCompletion(TaskId.of("nobody"), "token", Json.NULL),
        new WorkerCompletion(three.id(), three.lease().token(), null)));

    assertThat(statuses).containsExactly(CompletionStatus.COMPLETED, CompletionStatus.STALE_LEASE,
        CompletionStatus.NOT_FOUND, CompletionStatus.COMPLETED);
    assertThat(errand.get(two.id()).lease()).isEqualTo(two.lease());
    // The listener hears the tasks as stored after their completion, timed on the store's clock.
    Task doneOne = errand.get(one.id());
    Task doneThree = errand.get(three.id());
    assertThat(succeeded).containsExactly(doneOne, doneThree);
    assertThat(doneOne.result().asString()).isEqualTo("{\"n\":1}");
    assertThat(runTimes).containsExactly(Duration.between(doneOne.startedAt(), doneOne.finishedAt()),
        Duration.between(doneThree.startedAt(), doneThree.finishedAt()));
  }

  @Test
  void longPollClaimWakesSoonAfterAnEnqueue() throws Exception {
    Errand errand = errand(b -> b.pollInterval(Duration.ofSeconds(5)));
    Thread.ofVirtual().start(() -> {
      try {
        Thread.sleep(200);
      } catch (InterruptedException ignored) {
        return;
      }
      errand.enqueue(TaskSpec.builder("wake").build());
    });
    long start = System.nanoTime();
    List<Task> claimed = errand.claim("default", 1, Duration.ofSeconds(5), "remote-1", Duration.ofSeconds(10));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(claimed).hasSize(1);
    assertThat(millis).isLessThan(2000);
  }

  @Test
  void typeDefaultsApplyUnlessTheSpecSetsItsOwn() {
    Errand errand = errand(b -> b.typeDefaults("report", new TypeDefaults(
        RetryPolicy.of(7, Duration.ofSeconds(2), Duration.ofMinutes(1)), Duration.ofMinutes(5))));
    Task byType = errand.enqueue(TaskSpec.builder("report").build()).task();
    assertThat(byType.maxAttempts()).isEqualTo(7);
    assertThat(byType.retry().base()).isEqualTo(Duration.ofSeconds(2));
    assertThat(byType.timeout()).isEqualTo(Duration.ofMinutes(5));
    Task own = errand.enqueue(TaskSpec.builder("report").maxAttempts(2).timeout(Duration.ofSeconds(9)).build()).task();
    assertThat(own.maxAttempts()).isEqualTo(2);
    assertThat(own.retry().base()).as("unset fields still come from the type").isEqualTo(Duration.ofSeconds(2));
    assertThat(own.timeout()).isEqualTo(Duration.ofSeconds(9));
    Task other = errand.enqueue(TaskSpec.builder("other").build()).task();
    assertThat(other.retry()).isEqualTo(RetryPolicy.DEFAULT);
  }

  @Test
  void aStartedErrandWithoutWorkersStillPrunes() {
    Errand worker = errand(b -> {});
    worker.handle("ok", Json.class, (task, p) -> null);
    worker.start();
    Enqueued ok = worker.enqueue(TaskSpec.builder("ok").build());
    awaitState(worker, ok.id(), TaskState.SUCCEEDED);
    worker.stop();
    Errand server = errand(b -> b.runWorkers(false).retention(Duration.ofMillis(100))
        .pruneInterval(Duration.ofMillis(100)));
    server.start();
    await().atMost(WAIT).until(() -> server.find(ok.id()).isEmpty());
  }
}
