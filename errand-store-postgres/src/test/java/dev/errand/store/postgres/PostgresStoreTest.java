package dev.errand.store.postgres;

import static dev.errand.store.postgres.NewTasks.LEASE;
import static dev.errand.store.postgres.NewTasks.newQueue;
import static dev.errand.store.postgres.NewTasks.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Json;
import dev.errand.core.StoreUnavailableException;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.CancelRequest;
import dev.errand.core.spi.CancelResult;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.DeadFilter;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.LeaseRef;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.PruneRequest;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.QueuePauseRequest;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store's SPI behaviour against a real server, one fresh queue per test. */
class PostgresStoreTest {
  private static TestSchema db;
  private static String schema;
  private static PostgresStore store;

  @BeforeAll
  static void createStore() {
    db = TestSchema.create("store");
    schema = db.name();
    store = db.newStore();
  }

  @AfterAll
  static void dropSchema() {
    if (db != null) {
      db.close();
    }
  }

  private static List<Task> claim(String queue, int limit, Duration lease) {
    return store.claim(new ClaimRequest(queue, limit, lease, "worker-1")).tasks();
  }

  private static Task only(String queue) {
    List<Task> tasks = claim(queue, 10, LEASE);
    assertThat(tasks).hasSize(1);
    return tasks.get(0);
  }

  private static Task stored(TaskId id) {
    return store.get(id).orElseThrow();
  }

  /**
   * Claims and lease extensions turn synchronous_commit off for their own transaction only. Were the
   * setting to outlive it, every later write on that pooled connection (enqueues, completions) would be
   * acknowledged before it is flushed. One connection in the pool, so the check reads the same one.
   */
  @Test
  void claimsAndExtensionsLeaveTheConnectionsCommitsSynchronous() throws Exception {
    try (PostgresStore single = PostgresStore.builder().url(TestDatabase.URL).schema(schema).maximumPoolSize(1)
        .build()) {
      String queue = newQueue();
      single.insertMany(request(NewTasks.ready(queue)));
      Task claimed = single.claim(new ClaimRequest(queue, 1, LEASE, "worker-1")).tasks().getFirst();
      assertThat(synchronousCommit(single)).isEqualTo("on");
      single.extendMany(new ExtendRequest(List.of(new LeaseRef(claimed.id(), claimed.lease().token())), LEASE));
      assertThat(synchronousCommit(single)).isEqualTo("on");
    }
  }

  private static String synchronousCommit(PostgresStore store) throws Exception {
    try (Connection c = store.openTransaction(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
      rs.next();
      String value = rs.getString(1);
      c.rollback();
      return value;
    }
  }

  @Test
  void insertedTaskIsReadyAndClaimedWithALease() {
    String queue = newQueue();
    NewTask t = NewTasks.ready(queue);
    InsertResult result = store.insertMany(request(t));
    assertThat(result.outcomes()).singleElement().satisfies(o -> {
      assertThat(o.created()).isTrue();
      assertThat(o.task().state()).isEqualTo(TaskState.READY);
      assertThat(o.task().attempt()).isZero();
      assertThat(o.task().lease()).isNull();
    });

    Task claimed = only(queue);
    assertThat(claimed.id()).isEqualTo(t.id());
    assertThat(claimed.state()).isEqualTo(TaskState.RUNNING);
    assertThat(claimed.attempt()).isEqualTo(1);
    assertThat(claimed.lease().workerId()).isEqualTo("worker-1");
    assertThat(claimed.startedAt()).isNotNull();
    assertThat(claim(queue, 10, LEASE)).isEmpty();
  }

  @Test
  void payloadAndFieldsComeBackAsSent() {
    String queue = newQueue();
    Json payload = Json.parse("{ \"kept\" :  [1, 2.50, \"\\u00e9\"] }");
    NewTask t = NewTasks.withPayload(queue, payload);
    store.insertMany(request(t));
    Task got = stored(t.id());
    assertThat(got.payload().bytesUnsafe()).isEqualTo(payload.bytesUnsafe());
    assertThat(got.retry()).isEqualTo(t.retry());
    assertThat(got.timeout()).isEqualTo(t.timeout());
    assertThat(got.type()).isEqualTo(t.type());
    assertThat(got.queue()).isEqualTo(queue);
  }

  @Test
  void claimOrderIsPriorityThenRunAtThenId() {
    String queue = newQueue();
    NewTask low = NewTasks.withPriority(queue, 1);
    NewTask high = NewTasks.withPriority(queue, 9);
    NewTask mid1 = NewTasks.withPriority(queue, 5);
    NewTask mid2 = NewTasks.withPriority(queue, 5);
    store.insertMany(request(low, high, mid1, mid2));

    List<Task> first = claim(queue, 3, LEASE);
    assertThat(first).extracting(Task::id).containsExactly(high.id(), mid1.id(), mid2.id());
    assertThat(claim(queue, 3, LEASE)).extracting(Task::id).containsExactly(low.id());
  }

  @Test
  void claimNeverTakesMoreThanItsLimit() {
    String queue = newQueue();
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      tasks.add(NewTasks.ready(queue));
    }
    store.insertMany(new InsertRequest(tasks));
    assertThat(claim(queue, 10, LEASE)).hasSize(10);
    assertThat(claim(queue, 10, LEASE)).hasSize(10);
    assertThat(claim(queue, 10, LEASE)).hasSize(5);
  }

  @Test
  void delayedTaskWaitsUntilItsTimeThenIsClaimed() {
    String queue = newQueue();
    NewTask t = NewTasks.delayed(queue, Duration.ofMillis(400));
    Task inserted = store.insertMany(request(t)).outcomes().get(0).task();
    assertThat(inserted.state()).isEqualTo(TaskState.SCHEDULED);
    assertThat(claim(queue, 10, LEASE)).isEmpty();

    List<Task> claimed = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
        .until(() -> claim(queue, 10, LEASE), list -> !list.isEmpty());
    assertThat(claimed).extracting(Task::id).containsExactly(t.id());
    assertThat(claimed.get(0).runAt()).isEqualTo(inserted.runAt());
  }

  @Test
  void dueTasksNotChosenArePromotedToReady() {
    String queue = newQueue();
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      tasks.add(NewTasks.delayed(queue, Duration.ofMillis(200)));
    }
    store.insertMany(new InsertRequest(tasks));
    List<Task> first = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
        .until(() -> claim(queue, 2, LEASE), list -> !list.isEmpty());
    assertThat(first).hasSize(2);
    long ready = tasks.stream().map(t -> stored(t.id())).filter(t -> t.state() == TaskState.READY).count();
    assertThat(ready).isEqualTo(3);
  }

  @Test
  void leaseIsMeasuredOnTheDatabaseClock() throws Exception {
    String queue = newQueue();
    store.insertMany(request(NewTasks.ready(queue)));
    Instant before = databaseNow();
    Task claimed = only(queue);
    Instant after = databaseNow();
    assertThat(claimed.lease().until()).isBetween(before.plus(LEASE), after.plus(LEASE));
  }

  private static Instant databaseNow() throws Exception {
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT clock_timestamp()")) {
      rs.next();
      return rs.getObject(1, OffsetDateTime.class).toInstant();
    }
  }

  /** A sweep, which makes expired leases claimable, then a claim. */
  private List<Task> sweepAndClaim(String queue) {
    store.sweepExpiredLeases(new SweepRequest(100));
    return claim(queue, 1, LEASE);
  }

  @Test
  void expiredLeaseIsClaimableAgainWithTheNextAttempt() {
    String queue = newQueue();
    store.insertMany(request(NewTasks.ready(queue)));
    Task first = claim(queue, 1, Duration.ofMillis(200)).get(0);

    Task second = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
        .until(() -> sweepAndClaim(queue), list -> !list.isEmpty()).get(0);
    assertThat(second.id()).isEqualTo(first.id());
    assertThat(second.attempt()).isEqualTo(2);
    assertThat(second.lease().token()).isNotEqualTo(first.lease().token());
  }

  @Test
  void staleLeaseTokenIsRefusedAndChangesNothing() {
    String queue = newQueue();
    store.insertMany(request(NewTasks.ready(queue)));
    Task first = claim(queue, 1, Duration.ofMillis(100)).get(0);
    Task second = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
        .until(() -> sweepAndClaim(queue), list -> !list.isEmpty()).get(0);

    var completed = store.completeMany(new CompleteRequest(List.of(
        new Completion(first.id(), first.lease().token(), new Completion.Succeeded(null)))));
    assertThat(completed.stale()).containsExactly(first.id());
    ExtendResult extended = store.extendMany(new ExtendRequest(
        List.of(new LeaseRef(first.id(), first.lease().token())), Duration.ofMinutes(10)));
    assertThat(extended.stale()).containsExactly(first.id());
    assertThat(extended.extended()).isEmpty();

    Task now = stored(first.id());
    assertThat(now.state()).isEqualTo(TaskState.RUNNING);
    assertThat(now.lease()).isEqualTo(second.lease());
  }

  @Test
  void extendMovesTheLeaseForwardOnlyForCurrentTokens() {
    String queue = newQueue();
    store.insertMany(request(NewTasks.ready(queue), NewTasks.ready(queue)));
    List<Task> claimed = claim(queue, 2, Duration.ofSeconds(5));
    TaskId unknown = TaskId.generate();
    ExtendResult result = store.extendMany(new ExtendRequest(List.of(
        new LeaseRef(claimed.get(0).id(), claimed.get(0).lease().token()),
        new LeaseRef(claimed.get(1).id(), claimed.get(1).lease().token()),
        new LeaseRef(unknown, "nope")), Duration.ofSeconds(50))); // within the tasks' one-minute timeout
    assertThat(result.stale()).containsExactly(unknown);
    assertThat(result.extended()).hasSize(2);
    for (Task t : claimed) {
      Instant until = result.extended().get(t.id());
      assertThat(until).isAfter(t.lease().until().plus(Duration.ofSeconds(40)));
      assertThat(stored(t.id()).lease().until()).isEqualTo(until);
    }
  }

  @Test
  void completionsApplyEachOutcomeInOneBatch() {
    String queue = newQueue();
    store.insertMany(request(NewTasks.ready(queue), NewTasks.ready(queue), NewTasks.ready(queue),
        NewTasks.ready(queue), NewTasks.ready(queue)));
    List<Task> c = claim(queue, 5, LEASE);
    Json result = Json.parse("{\"ok\":  true}");
    var done = store.completeMany(new CompleteRequest(List.of(
        new Completion(c.get(0).id(), c.get(0).lease().token(), new Completion.Succeeded(result)),
        new Completion(c.get(1).id(), c.get(1).lease().token(), new Completion.Retry(Duration.ofMinutes(1), "boom")),
        new Completion(c.get(2).id(), c.get(2).lease().token(), new Completion.Dead("fatal")),
        new Completion(c.get(3).id(), c.get(3).lease().token(), new Completion.Release(Duration.ZERO)),
        new Completion(c.get(4).id(), c.get(4).lease().token(), new Completion.Release(Duration.ofMinutes(1))))));
    assertThat(done.stale()).isEmpty();

    Task succeeded = stored(c.get(0).id());
    assertThat(succeeded.state()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(succeeded.result().bytesUnsafe()).isEqualTo(result.bytesUnsafe());
    assertThat(succeeded.finishedAt()).isNotNull();
    assertThat(succeeded.lease()).isNull();

    Task retrying = stored(c.get(1).id());
    assertThat(retrying.state()).isEqualTo(TaskState.RETRYING);
    assertThat(retrying.attempt()).isEqualTo(1);
    assertThat(retrying.lastError()).isEqualTo("boom");
    assertThat(retrying.runAt()).isAfter(c.get(1).startedAt().plus(Duration.ofSeconds(59)));
    assertThat(retrying.lease()).isNull();

    Task dead = stored(c.get(2).id());
    assertThat(dead.state()).isEqualTo(TaskState.DEAD);
    assertThat(dead.lastError()).isEqualTo("fatal");
    assertThat(dead.finishedAt()).isNotNull();

    Task released = stored(c.get(3).id());
    assertThat(released.state()).isEqualTo(TaskState.READY);
    assertThat(released.attempt()).isZero();

    Task snoozed = stored(c.get(4).id());
    assertThat(snoozed.state()).isEqualTo(TaskState.SCHEDULED);
    assertThat(snoozed.attempt()).isZero();

    assertThat(claim(queue, 5, LEASE)).extracting(Task::id).containsExactly(released.id());
  }

  @Test
  void idempotencyKeyMakesOneTaskWithinAndAcrossBatches() {
    String queue = newQueue();
    NewTask a = NewTasks.withKey(queue, "order-42");
    NewTask b = NewTasks.withKey(queue, "order-42");
    NewTask otherQueue = NewTasks.withKey(newQueue(), "order-42");
    InsertResult first = store.insertMany(request(a, b, otherQueue));
    assertThat(first.outcomes()).extracting(InsertResult.Outcome::created).containsExactly(true, false, true);
    assertThat(first.outcomes().get(1).task().id()).isEqualTo(a.id());

    NewTask c = NewTasks.withKey(queue, "order-42");
    InsertResult second = store.insertMany(request(c, NewTasks.ready(queue)));
    assertThat(second.outcomes()).extracting(InsertResult.Outcome::created).containsExactly(false, true);
    assertThat(second.outcomes().get(0).task().id()).isEqualTo(a.id());
    assertThat(store.get(c.id())).isEmpty();
  }

  @Test
  void existingIdIsNotInsertedAgain() {
    String queue = newQueue();
    NewTask t = NewTasks.ready(queue);
    store.insertMany(request(t));
    NewTask again = new NewTask(t.id(), newQueue(), "other", Json.parse("2"), 3, null, Duration.ZERO,
        t.retry(), t.timeout(), null);
    InsertResult result = store.insertMany(request(again, again));
    assertThat(result.outcomes()).allSatisfy(o -> {
      assertThat(o.created()).isFalse();
      assertThat(o.task().queue()).isEqualTo(queue);
    });
  }

  @Test
  void concurrentInsertsWithOneKeyMakeOneTask() throws Exception {
    String queue = newQueue();
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<InsertResult>> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      for (int i = 0; i < threads; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return store.insertMany(request(NewTasks.withKey(queue, "same")));
        }));
      }
      start.countDown();
    }
    List<InsertResult.Outcome> outcomes = new ArrayList<>();
    for (Future<InsertResult> f : results) {
      outcomes.add(f.get().outcomes().get(0));
    }
    assertThat(outcomes).filteredOn(InsertResult.Outcome::created).hasSize(1);
    assertThat(outcomes).extracting(o -> o.task().id()).containsOnly(outcomes.stream()
        .filter(InsertResult.Outcome::created).findFirst().orElseThrow().task().id());
    assertThat(store.list(new TaskQuery(queue, null, null, 100, null)).tasks()).hasSize(1);
  }

  @Test
  void cancelFencesTheRunningWorker() {
    String queue = newQueue();
    store.insertMany(request(NewTasks.ready(queue)));
    Task running = only(queue);
    CancelResult cancelled = store.cancel(new CancelRequest(running.id()));
    assertThat(cancelled.status()).isEqualTo(CancelResult.Status.CANCELLED);
    assertThat(cancelled.task().state()).isEqualTo(TaskState.CANCELLED);
    assertThat(cancelled.task().lease()).isNull();

    var done = store.completeMany(new CompleteRequest(List.of(
        new Completion(running.id(), running.lease().token(), new Completion.Succeeded(null)))));
    assertThat(done.stale()).containsExactly(running.id());
    assertThat(stored(running.id()).state()).isEqualTo(TaskState.CANCELLED);

    assertThat(store.cancel(new CancelRequest(running.id())).status()).isEqualTo(CancelResult.Status.ALREADY_FINAL);
    CancelResult missing = store.cancel(new CancelRequest(TaskId.generate()));
    assertThat(missing.status()).isEqualTo(CancelResult.Status.NOT_FOUND);
    assertThat(missing.task()).isNull();
  }

  @Test
  void pausedQueueYieldsNothingUntilResumed() {
    String queue = newQueue();
    store.insertMany(request(NewTasks.ready(queue)));
    store.pauseQueue(new QueuePauseRequest(queue, true));
    assertThat(claim(queue, 10, LEASE)).isEmpty();
    assertThat(store.queues()).filteredOn(q -> q.queue().equals(queue)).singleElement()
        .extracting(QueueInfo::paused).isEqualTo(true);

    store.pauseQueue(new QueuePauseRequest(queue, false));
    assertThat(claim(queue, 10, LEASE)).hasSize(1);
  }

  @Test
  void queuesCountTasksByState() {
    String queue = newQueue();
    store.insertMany(request(NewTasks.ready(queue), NewTasks.ready(queue), NewTasks.delayed(queue, Duration.ofHours(1))));
    claim(queue, 1, LEASE);
    QueueInfo info = store.queues().stream().filter(q -> q.queue().equals(queue)).findFirst().orElseThrow();
    assertThat(info.count(TaskState.READY)).isEqualTo(1);
    assertThat(info.count(TaskState.RUNNING)).isEqualTo(1);
    assertThat(info.count(TaskState.SCHEDULED)).isEqualTo(1);
    assertThat(info.total()).isEqualTo(3);
    assertThat(info.paused()).isFalse();

    String pausedEmpty = newQueue();
    store.pauseQueue(new QueuePauseRequest(pausedEmpty, true));
    assertThat(store.queues()).filteredOn(q -> q.queue().equals(pausedEmpty)).singleElement()
        .satisfies(q -> assertThat(q.total()).isZero());
  }

  @Test
  void listPagesNewestFirstWithFilters() {
    String queue = newQueue();
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      tasks.add(NewTasks.ready(queue));
    }
    store.insertMany(new InsertRequest(tasks));
    List<TaskId> expected = tasks.stream().map(NewTask::id).sorted(Comparator.reverseOrder()).toList();

    List<TaskId> seen = new ArrayList<>();
    TaskId cursor = null;
    do {
      TaskPage page = store.list(new TaskQuery(queue, TaskState.READY, "test", 3, cursor));
      page.tasks().forEach(t -> seen.add(t.id()));
      cursor = page.next();
    } while (cursor != null);
    assertThat(seen).containsExactlyElementsOf(expected);
    assertThat(store.list(new TaskQuery(queue, TaskState.DEAD, null, 10, null)).tasks()).isEmpty();
  }

  @Test
  void deadTasksAreReplayedAndPurged() {
    String queue = newQueue();
    store.insertMany(request(NewTasks.ready(queue), NewTasks.ready(queue), NewTasks.ready(queue)));
    for (Task t : claim(queue, 3, LEASE)) {
      store.completeMany(new CompleteRequest(List.of(
          new Completion(t.id(), t.lease().token(), new Completion.Dead("no")))));
    }
    List<Task> dead = store.list(new TaskQuery(queue, TaskState.DEAD, null, 10, null)).tasks();
    assertThat(dead).hasSize(3);

    assertThat(store.replayDead(DeadFilter.of(dead.get(0).id()))).isEqualTo(1);
    Task replayed = stored(dead.get(0).id());
    assertThat(replayed.state()).isEqualTo(TaskState.READY);
    assertThat(replayed.attempt()).isZero();
    assertThat(replayed.finishedAt()).isNull();

    assertThat(store.purgeDead(DeadFilter.inQueue(queue))).isEqualTo(2);
    assertThat(store.get(dead.get(1).id())).isEmpty();
    assertThat(store.get(dead.get(0).id())).isPresent();
  }

  @Test
  void pruneDeletesOnlyFinishedTasksUpToItsLimit() throws Exception {
    String queue = newQueue();
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      tasks.add(NewTasks.ready(queue));
    }
    store.insertMany(new InsertRequest(tasks));
    List<Task> claimed = claim(queue, 4, LEASE);
    List<Completion> completions = new ArrayList<>();
    completions.add(new Completion(claimed.get(0).id(), claimed.get(0).lease().token(), new Completion.Succeeded(null)));
    completions.add(new Completion(claimed.get(1).id(), claimed.get(1).lease().token(), new Completion.Succeeded(null)));
    completions.add(new Completion(claimed.get(2).id(), claimed.get(2).lease().token(), new Completion.Dead("x")));
    store.completeMany(new CompleteRequest(completions));
    store.cancel(new CancelRequest(claimed.get(3).id()));
    Instant later = databaseNow().plusSeconds(1);

    assertThat(store.prune(new PruneRequest(later, 2))).isEqualTo(2);
    assertThat(store.prune(new PruneRequest(later, 100))).isGreaterThanOrEqualTo(1);
    assertThat(store.get(claimed.get(0).id())).isEmpty();
    assertThat(store.get(claimed.get(1).id())).isEmpty();
    assertThat(store.get(claimed.get(3).id())).isEmpty();
    assertThat(stored(claimed.get(2).id()).state()).isEqualTo(TaskState.DEAD);
    assertThat(store.list(new TaskQuery(queue, TaskState.READY, null, 10, null)).tasks()).hasSize(1);
  }

  @Test
  void closedStoreReportsUnavailable() {
    PostgresStore other = TestDatabase.newStore(schema);
    other.ping();
    other.close();
    assertThatThrownBy(other::ping).isInstanceOf(StoreUnavailableException.class);
    assertThatThrownBy(() -> other.insertMany(request(NewTasks.ready(newQueue()))))
        .isInstanceOf(StoreUnavailableException.class);
  }
}
