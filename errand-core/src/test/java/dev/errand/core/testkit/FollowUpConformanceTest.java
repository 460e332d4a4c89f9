package dev.errand.core.testkit;

import static dev.errand.core.testkit.NewTasks.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.CancelRequest;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.CompleteResult;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.Completion.FollowUps;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.TaskQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Follow-ups written with a completion, against every store: the tasks a completion inserts and the join
 * counters it decrements are written in the same write as the completion and under its lease token, so a
 * stale or replayed completion writes none of them, and a join of N fires exactly once when its N
 * dependencies complete, however they race. WAITING tasks are never claimable, are counted and listed,
 * and can be cancelled. Each store's test module subclasses this with {@link #newStore()};
 * {@link StoreInvariants} runs after each test.
 */
public abstract class FollowUpConformanceTest extends StoreUnderTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Duration SHORT_LEASE = Duration.ofMillis(300);

  private void insert(NewTask... tasks) {
    store.insertMany(new InsertRequest(List.of(tasks)));
  }

  private List<Task> claim(String queue, int limit, Duration leaseFor) {
    return store.claim(new ClaimRequest(queue, limit, leaseFor, "worker-1")).tasks();
  }

  /** Inserts one task in {@code queue} and claims it. */
  private Task running(String queue) {
    insert(task(queue).build());
    List<Task> claimed = claim(queue, 1, LEASE);
    assertThat(claimed).hasSize(1);
    return claimed.getFirst();
  }

  private CompleteResult complete(Task running, Completion.Outcome outcome, FollowUps followUps) {
    return store.completeMany(new CompleteRequest(List.of(completion(running, outcome, followUps))));
  }

  private static Completion completion(Task running, Completion.Outcome outcome, FollowUps followUps) {
    return new Completion(running.id(), running.lease().token(), outcome, followUps);
  }

  private static Completion.Succeeded succeeded() {
    return new Completion.Succeeded(null);
  }

  private TaskState state(TaskId id) {
    return store.get(id).map(Task::state).orElse(null);
  }

  private NewTask waiting(String id, int joinCount) {
    return task("joins").id(id).joinCount(joinCount).build();
  }

  // ---------------------------------------------------------------- inserts

  @Test
  void followUpInsertsAreWrittenWithAnAppliedCompletion() {
    Task parent = running("work");
    NewTask now = task("next").id("child-now").build();
    NewTask later = task("next").id("child-later").delay(Duration.ofHours(1)).build();

    assertThat(complete(parent, succeeded(), FollowUps.inserting(List.of(now, later))).stale()).isEmpty();

    assertThat(state(parent.id())).isEqualTo(TaskState.SUCCEEDED);
    assertThat(state(now.id())).isEqualTo(TaskState.READY);
    assertThat(state(later.id())).isEqualTo(TaskState.SCHEDULED);
    assertThat(claim("next", 10, LEASE)).extracting(Task::id).containsExactly(now.id());
  }

  @Test
  void staleLeaseTokenWritesNoFollowUp() {
    insert(waiting("join", 1));
    insert(task("work").build());
    Task first = claim("work", 1, SHORT_LEASE).getFirst();
    // The lease runs out and another worker takes the task: the first worker's token is stale.
    Task second = awaitClaim("work");
    NewTask child = task("next").id("child-of-stale").build();

    CompleteResult result = complete(first, succeeded(), new FollowUps(List.of(child), List.of(TaskId.of("join"))));

    assertThat(result.stale()).containsExactly(first.id());
    assertThat(store.get(child.id())).isEmpty();
    assertThat(state(TaskId.of("join"))).isEqualTo(TaskState.WAITING);
    assertThat(state(second.id())).isEqualTo(TaskState.RUNNING);
    // The fresh token's completion writes them.
    assertThat(complete(second, succeeded(), new FollowUps(List.of(child), List.of(TaskId.of("join")))).stale())
        .isEmpty();
    assertThat(state(child.id())).isEqualTo(TaskState.READY);
    assertThat(state(TaskId.of("join"))).isEqualTo(TaskState.READY);
  }

  /**
   * Claims a task of {@code queue} whose lease ran out, as soon as a lease sweep (as every node runs it)
   * has made it claimable again: claims never take an expired lease back themselves.
   */
  private Task awaitClaim(String queue) {
    AtomicReference<Task> claimed = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
      store.sweepExpiredLeases(new SweepRequest(100));
      claim(queue, 1, LEASE).forEach(claimed::set);
      return claimed.get() != null;
    });
    return claimed.get();
  }

  @Test
  void followUpInsertKeepsAnIdempotencyKeyAlreadyHeld() {
    insert(task("next").id("holder").idempotencyKey("k-1").build());
    Task parent = running("work");

    assertThat(complete(parent, succeeded(),
        FollowUps.inserting(List.of(task("next").id("repeat").idempotencyKey("k-1").build()))).stale()).isEmpty();

    assertThat(store.get(TaskId.of("repeat"))).isEmpty();
    assertThat(state(TaskId.of("holder"))).isEqualTo(TaskState.READY);
    assertThat(state(parent.id())).isEqualTo(TaskState.SUCCEEDED);
  }

  @Test
  void everyOutcomeCarriesItsFollowUps() {
    List<Completion.Outcome> outcomes = List.of(succeeded(), new Completion.Retry(Duration.ofHours(1), "again"),
        new Completion.Dead("fatal"), new Completion.Release(Duration.ZERO), new Completion.Release(Duration.ofHours(1)));
    insert(waiting("join", outcomes.size()));
    for (int i = 0; i < outcomes.size(); i++) {
      Task parent = running("work-" + i);
      NewTask child = task("next").id("child-" + i).build();
      assertThat(complete(parent, outcomes.get(i), new FollowUps(List.of(child), List.of(TaskId.of("join"))))
          .stale()).as("outcome %s", outcomes.get(i)).isEmpty();
      assertThat(state(child.id())).as("child of outcome %s", outcomes.get(i)).isEqualTo(TaskState.READY);
    }
    assertThat(state(TaskId.of("join"))).isEqualTo(TaskState.READY);
  }

  // ---------------------------------------------------------------- joins

  @Test
  void waitingTaskIsNeverClaimableAndIsCountedListedAndCancellable() {
    insert(waiting("w-1", 2), waiting("w-2", 1));

    assertThat(claim("joins", 10, LEASE)).isEmpty();
    assertThat(state(TaskId.of("w-1"))).isEqualTo(TaskState.WAITING);
    QueueInfo info = store.queues().stream().filter(q -> q.queue().equals("joins")).findFirst().orElseThrow();
    assertThat(info.counts()).containsEntry(TaskState.WAITING, 2L);
    assertThat(store.list(new TaskQuery("joins", TaskState.WAITING, null, 10, null)).tasks())
        .extracting(Task::id).containsExactlyInAnyOrder(TaskId.of("w-1"), TaskId.of("w-2"));

    assertThat(store.cancel(new CancelRequest(TaskId.of("w-2"))).task().state()).isEqualTo(TaskState.CANCELLED);
    Task parent = running("work");
    complete(parent, succeeded(), FollowUps.decrementing(List.of(TaskId.of("w-2"))));
    assertThat(state(TaskId.of("w-2"))).as("a cancelled join stays cancelled").isEqualTo(TaskState.CANCELLED);
    assertThat(claim("joins", 10, LEASE)).isEmpty();
  }

  @Test
  void joinOfThreeFiresWhenItsThirdDependencyCompletesAndNotBefore() {
    insert(waiting("join", 3));
    for (int i = 1; i <= 3; i++) {
      assertThat(state(TaskId.of("join"))).as("after %d of 3", i - 1).isEqualTo(TaskState.WAITING);
      assertThat(claim("joins", 10, LEASE)).as("claimable after %d of 3", i - 1).isEmpty();
      complete(running("work"), succeeded(), FollowUps.decrementing(List.of(TaskId.of("join"))));
    }
    assertThat(state(TaskId.of("join"))).isEqualTo(TaskState.READY);
    assertThat(claim("joins", 10, LEASE)).extracting(Task::id).containsExactly(TaskId.of("join"));
    // A decrement after it fired changes nothing.
    complete(running("work"), succeeded(), FollowUps.decrementing(List.of(TaskId.of("join"))));
    assertThat(state(TaskId.of("join"))).isEqualTo(TaskState.RUNNING);
  }

  @Test
  void joinWhoseDueTimeIsAheadBecomesScheduled() {
    insert(task("joins").id("later").joinCount(1).delay(Duration.ofHours(1)).build());
    complete(running("work"), succeeded(), FollowUps.decrementing(List.of(TaskId.of("later"))));
    assertThat(state(TaskId.of("later"))).isEqualTo(TaskState.SCHEDULED);
  }

  @Test
  void decrementReachesAWaitingTaskInsertedByTheSameRequest() {
    Task a = running("work");
    Task b = running("work");
    NewTask join = waiting("join", 2);
    store.completeMany(new CompleteRequest(List.of(
        completion(a, succeeded(), new FollowUps(List.of(join), List.of(join.id()))),
        completion(b, succeeded(), FollowUps.decrementing(List.of(join.id()))))));
    assertThat(state(join.id())).isEqualTo(TaskState.READY);
  }

  @Test
  void completionSentAgainAfterItWasWrittenWritesNoFollowUpTwice() {
    insert(waiting("join", 2));
    Task parent = running("work");
    NewTask child = task("next").build();
    Completion done = completion(parent, succeeded(), new FollowUps(List.of(child), List.of(TaskId.of("join"))));

    // The first write succeeded but its answer was lost, so the completer sends the same batch again.
    assertThat(store.completeMany(new CompleteRequest(List.of(done))).stale()).isEmpty();
    assertThat(store.completeMany(new CompleteRequest(List.of(done))).stale()).containsExactly(parent.id());

    assertThat(state(TaskId.of("join"))).as("one of two decrements").isEqualTo(TaskState.WAITING);
    assertThat(StoreInvariants.listAll(store)).filteredOn(t -> t.queue().equals("next")).hasSize(1);
    complete(running("work"), succeeded(), FollowUps.decrementing(List.of(TaskId.of("join"))));
    assertThat(state(TaskId.of("join"))).isEqualTo(TaskState.READY);
  }

  @Test
  void sameCompletionTwiceInOneRequestDecrementsOnce() {
    insert(waiting("join", 2));
    Task parent = running("work");
    Completion done = completion(parent, succeeded(), FollowUps.decrementing(List.of(TaskId.of("join"))));

    store.completeMany(new CompleteRequest(List.of(done, done)));

    assertThat(state(parent.id())).isEqualTo(TaskState.SUCCEEDED);
    assertThat(state(TaskId.of("join"))).isEqualTo(TaskState.WAITING);
  }

  /**
   * Several joins, each waiting for every one of many dependencies, whose completions race from several
   * threads in batches of their own, each listing the joins in a random order: each join fires exactly
   * once, only after the last of its dependencies, and no store deadlocks.
   */
  @Test
  void joinsFireExactlyOnceWhenTheirDependenciesCompleteConcurrently() throws Exception {
    int dependencies = 48;
    int threads = 6;
    List<TaskId> joins = List.of(TaskId.of("join-a"), TaskId.of("join-b"), TaskId.of("join-c"));
    for (TaskId join : joins) {
      insert(waiting(join.value(), dependencies));
    }
    List<NewTask> deps = new ArrayList<>();
    for (int i = 0; i < dependencies; i++) {
      deps.add(task("work").build());
    }
    store.insertMany(new InsertRequest(deps));
    List<Task> claimed = claim("work", dependencies, LEASE);
    assertThat(claimed).hasSize(dependencies);
    long seed = System.nanoTime();
    System.out.println("joinsFireExactlyOnceWhenTheirDependenciesCompleteConcurrently seed=" + seed);
    Random random = new Random(seed);
    List<List<Completion>> batches = new ArrayList<>();
    for (int i = 0; i < dependencies; i += 4) {
      List<Completion> batch = new ArrayList<>();
      for (Task t : claimed.subList(i, Math.min(dependencies, i + 4))) {
        List<TaskId> order = new ArrayList<>(joins);
        Collections.shuffle(order, random);
        batch.add(completion(t, succeeded(), FollowUps.decrementing(order)));
      }
      batches.add(batch);
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<CompleteResult>> results = new ArrayList<>();
      for (List<Completion> batch : batches) {
        results.add(pool.submit(() -> {
          start.await();
          return store.completeMany(new CompleteRequest(batch));
        }));
      }
      start.countDown();
      for (Future<CompleteResult> f : results) {
        assertThat(f.get(60, TimeUnit.SECONDS).stale()).isEmpty();
      }
    } finally {
      pool.shutdownNow();
    }
    for (TaskId join : joins) {
      assertThat(state(join)).as("%s after all %d dependencies", join, dependencies).isEqualTo(TaskState.READY);
    }
    assertThat(claim("joins", 10, LEASE)).extracting(Task::id).containsExactlyInAnyOrderElementsOf(joins);
    assertThat(claim("joins", 10, LEASE)).isEmpty();
  }

  /** A join one short of firing, raced by completions of which only one is fresh: it fires once. */
  @Test
  void joinFiresOnceWhenAStaleAndAFreshCompletionRace() throws Exception {
    insert(waiting("join", 1));
    insert(task("work").build());
    Task first = claim("work", 1, SHORT_LEASE).getFirst();
    Task second = awaitClaim("work");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch start = new CountDownLatch(1);
      Future<CompleteResult> stale = pool.submit(() -> {
        start.await();
        return complete(first, succeeded(), FollowUps.decrementing(List.of(TaskId.of("join"))));
      });
      Future<CompleteResult> fresh = pool.submit(() -> {
        start.await();
        return complete(second, succeeded(), FollowUps.decrementing(List.of(TaskId.of("join"))));
      });
      start.countDown();
      assertThat(stale.get(30, TimeUnit.SECONDS).stale()).containsExactly(first.id());
      assertThat(fresh.get(30, TimeUnit.SECONDS).stale()).isEmpty();
    } finally {
      pool.shutdownNow();
    }
    assertThat(claim("joins", 10, LEASE)).extracting(Task::id).containsExactly(TaskId.of("join"));
  }
}
