package dev.errand.core.testkit;

import static dev.errand.core.testkit.NewTasks.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.AttemptError;
import dev.errand.core.spi.DeadGroupQuery;
import dev.errand.core.spi.DeadGroupStore;
import dev.errand.core.spi.DeadGroups;
import dev.errand.core.Heartbeats;
import dev.errand.core.Json;
import dev.errand.core.QueueLimits;
import dev.errand.core.RetryPolicy;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.internal.IdleWait;
import dev.errand.core.spi.AttemptTimeout;
import dev.errand.core.spi.CancelRequest;
import dev.errand.core.spi.CancelResult;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.CompleteResult;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.DeadFilter;
import dev.errand.core.spi.DueQuery;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.LeaseRef;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.PruneRequest;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.QueueLimitStore;
import dev.errand.core.spi.QueueLimitsRequest;
import dev.errand.core.spi.QueuePauseRequest;
import dev.errand.core.spi.RunNowRequest;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.SweepResult;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WaitRequest;
import dev.errand.core.spi.WakeUpStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link TaskStore}, written once and run against every store. A store's test subclasses
 * this and returns a fresh, empty store from {@link #newStore()}; optional powers the store lacks are
 * switched off by overriding a capability hook, and their tests then skip.
 *
 * <p>The tests use real time with short leases and delays, so they hold for stores whose clock is a
 * database server's. Where timing matters they assert the guarantee itself (a task is never started
 * before its runAt, a lease is never granted while another is live), not the scheduling luck of the test
 * machine. After every test, {@link StoreInvariants} checks the leases and the counts.
 */
public abstract class TaskStoreConformanceTest extends StoreUnderTest {
  /** Long enough that a test never loses a lease by accident. */
  protected static final Duration LONG_LEASE = Duration.ofSeconds(30);
  /** Short enough that a test can wait for it to run out. */
  protected static final Duration SHORT_LEASE = Duration.ofMillis(400);
  protected static final Duration SHORT_DELAY = Duration.ofMillis(300);
  protected static final Duration FAR_AWAY = Duration.ofHours(1);
  protected static final Duration PATIENCE = Duration.ofSeconds(10);

  /** The store's flow limits; the calling test skips when the store has none. */
  protected final QueueLimitStore limits() {
    return power(QueueLimitStore.class, "store has flow limits");
  }

  /** The store's native wake-up; the calling test skips when the store only polls. */
  protected final WakeUpStore wakeUp() {
    return power(WakeUpStore.class, "store wakes waiters");
  }

  private <T> T power(Class<T> type, String description) {
    Optional<T> power = store.capability(type);
    assumeThat(power).as(description).isPresent();
    return power.orElseThrow();
  }

  /**
   * A new, empty store whose list pages read at most {@code rows} tasks past the cursor, or null if the
   * store reads no bounded number (then the tests of bounded pages skip).
   */
  protected TaskStore newStoreReadingAtMost(int rows) {
    return null;
  }

  /**
   * Whether the store keeps the progress an extension reports ({@link LeaseRef#progress}, store
   * migration 008 on SQLite and PostgreSQL); a store that does not overrides this to false, and the
   * progress tests skip. Remote workers' progress is then lost, nothing else.
   */
  protected boolean keepsProgress() {
    return true;
  }

  /**
   * Whether the store counts each attempt's heartbeats ({@link Task#heartbeats}, store migration 010 on
   * SQLite and PostgreSQL); a store that does not overrides this to false, and the heartbeat test skips.
   */
  protected boolean countsHeartbeats() {
    return true;
  }

  // ---------------------------------------------------------------- helpers

  protected List<Task> insert(NewTask... tasks) {
    InsertResult result = store.insertMany(new InsertRequest(List.of(tasks)));
    assertThat(result.outcomes()).hasSize(tasks.length);
    return result.outcomes().stream().map(InsertResult.Outcome::task).toList();
  }

  protected Task insertOne(NewTask task) {
    return insert(task).getFirst();
  }

  protected List<Task> claim(String queue, int limit, Duration leaseFor) {
    return store.claim(new ClaimRequest(queue, limit, leaseFor, "worker-1")).tasks();
  }

  protected List<Task> claim(String queue, int limit) {
    return claim(queue, limit, LONG_LEASE);
  }

  protected Task claimOnly(String queue) {
    List<Task> claimed = claim(queue, 10);
    assertThat(claimed).hasSize(1);
    return claimed.getFirst();
  }

  /** One sweep of expired leases, as every node's sweeper runs it. */
  protected List<SweepResult.Swept> sweep() {
    return store.sweepExpiredLeases(new SweepRequest(100)).swept();
  }

  /** Sweeps until the lease of {@code running} has been taken back; returns what the sweep did. */
  protected SweepResult.Swept awaitSwept(Task running) {
    AtomicReference<SweepResult.Swept> swept = new AtomicReference<>();
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
      sweep().stream().filter(s -> s.task().id().equals(running.id())).findFirst().ifPresent(swept::set);
      return swept.get() != null;
    });
    return swept.get();
  }

  protected Task get(TaskId id) {
    return store.get(id).orElseThrow(() -> new AssertionError("no task " + id));
  }

  protected CompleteResult complete(Task running, Completion.Outcome outcome) {
    return store.completeMany(new CompleteRequest(List.of(new Completion(running.id(), running.lease().token(),
        outcome))));
  }

  protected static Completion.Succeeded succeeded() {
    return new Completion.Succeeded(null);
  }

  /** Inserts {@code n} tasks in {@code queue} and runs each to DEAD. */
  protected List<Task> deadTasks(String queue, int n) {
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tasks.add(task(queue).build());
    }
    store.insertMany(new InsertRequest(tasks));
    List<Task> claimed = claim(queue, n);
    assertThat(claimed).hasSize(n);
    List<Completion> deaths = claimed.stream()
        .map(t -> new Completion(t.id(), t.lease().token(), new Completion.Dead("fatal: " + t.id())))
        .toList();
    assertThat(store.completeMany(new CompleteRequest(deaths)).stale()).isEmpty();
    return claimed.stream().map(t -> get(t.id())).toList();
  }

  protected Task succeededTask(String queue) {
    insertOne(task(queue).build());
    Task running = claimOnly(queue);
    assertThat(complete(running, succeeded()).stale()).isEmpty();
    return get(running.id());
  }

  private static Set<TaskId> ids(List<Task> tasks) {
    return tasks.stream().map(Task::id).collect(Collectors.toSet());
  }

  // ---------------------------------------------------------------- ordering and delays

  @Test
  void claimTakesHigherPriorityFirstThenEarlierRunAtThenId() {
    Instant past = Instant.now().minus(Duration.ofHours(1));
    List<NewTask> expected = List.of(
        task("q").id("p9-early").priority(9).runAt(past).build(),
        task("q").id("p9-late").priority(9).runAt(past.plusSeconds(60)).build(),
        task("q").id("p5-a").priority(5).runAt(past.plusSeconds(10)).build(),
        task("q").id("p5-b").priority(5).runAt(past.plusSeconds(10)).build(),
        task("q").id("p5-c").priority(5).runAt(past.plusSeconds(10)).build(),
        task("q").id("p0-early").priority(0).runAt(past).build(),
        task("q").id("p0-late").priority(0).runAt(past.plusSeconds(30)).build());
    long seed = System.nanoTime();
    System.out.println("claimTakesHigherPriorityFirstThenEarlierRunAtThenId seed=" + seed);
    List<NewTask> shuffled = new ArrayList<>(expected);
    Collections.shuffle(shuffled, new Random(seed));
    store.insertMany(new InsertRequest(shuffled));

    List<String> firstTwo = claim("q", 2).stream().map(t -> t.id().value()).toList();
    List<String> order = new ArrayList<>(firstTwo);
    for (int i = 2; i < expected.size(); i++) {
      order.add(claimOnlyOneOf("q").id().value());
    }

    assertThat(firstTwo).containsExactlyInAnyOrder("p9-early", "p9-late");
    assertThat(order).containsExactlyElementsOf(expected.stream().map(t -> t.id().value()).toList());
  }

  /**
   * What a claim hands out is the task as stored, field for field, whatever way it became claimable:
   * a store may build the claimed task from less than the whole row (SQLite does), and must not get a
   * field wrong doing so.
   */
  @Test
  void aClaimedTaskIsWhatAReadOfItGives() {
    Instant past = Instant.now().minus(Duration.ofMinutes(5)).truncatedTo(ChronoUnit.MILLIS);
    insert(
        task("q").id("plain").build(),
        task("q").id("full").type("send_email").payload("{\"to\":\"a@example.com\"}").priority(7).runAt(past)
            .retry(RetryPolicy.of(9, Duration.ofMillis(20), Duration.ofSeconds(3))).timeout(Duration.ofSeconds(42))
            .idempotencyKey("key-1").kind("http").headers(Map.of("traceparent", "00-0af7651916cd43dd84448eb211c80319-b7ad6b7169203331-01")).build(),
        task("q").id("retried").build(),
        task("q").id("dead-then-replayed").retry(RetryPolicy.DEFAULT.withMaxAttempts(1)).build(),
        task("q").id("released").build(),
        task("q").id("never-times-out").timeout(Duration.ofDays(3650)).build(),
        task("q").id("lease-capped-by-timeout").timeout(Duration.ofSeconds(2)).build());
    Map<String, Task> first = claim("q", 10, Duration.ofMinutes(10)).stream()
        .collect(Collectors.toMap(t -> t.id().value(), t -> t));
    assertThat(first).hasSize(7);
    first.values().forEach(t -> assertThat(t).as(t.id().value()).isEqualTo(get(t.id())));

    if (keepsProgress()) {
      // Progress reported in one attempt is kept with the task, so the next claim carries it.
      store.extendMany(new ExtendRequest(List.of(new LeaseRef(TaskId.of("released"),
          first.get("released").lease().token(), Json.parse("{\"done\":3}"))), LONG_LEASE));
    }
    store.completeMany(new CompleteRequest(List.of(
        new Completion(TaskId.of("retried"), first.get("retried").lease().token(),
            new Completion.Retry(Duration.ZERO, "boom")),
        new Completion(TaskId.of("dead-then-replayed"), first.get("dead-then-replayed").lease().token(),
            new Completion.Dead("fatal")),
        new Completion(TaskId.of("released"), first.get("released").lease().token(),
            new Completion.Release(Duration.ZERO)))));
    assertThat(store.replayDead(DeadFilter.of(TaskId.of("dead-then-replayed")))).isEqualTo(1);
    await().atMost(PATIENCE).until(() -> get(TaskId.of("retried")).runAt().isBefore(Instant.now()));

    List<Task> again = new ArrayList<>();
    await().atMost(PATIENCE).until(() -> {
      again.addAll(claim("q", 10, Duration.ofSeconds(5)));
      return again.size() >= 3;
    });
    assertThat(again).extracting(t -> t.id().value())
        .containsExactlyInAnyOrder("retried", "dead-then-replayed", "released");
    again.forEach(t -> assertThat(t).as(t.id().value()).isEqualTo(get(t.id())));
    assertThat(again).filteredOn(t -> t.id().value().equals("retried")).singleElement()
        .satisfies(t -> assertThat(t.lastError()).isEqualTo("boom"));
  }

  /**
   * The store's claim statement hands tasks out in the order {@link ClaimOrder} specifies, on seeded
   * random tasks: few priorities and due times so that ties are common, ids in mixed case so that a
   * collation other than byte order shows, inserted in random batches and claimed in random batch sizes.
   */
  @Test
  void claimOrderMatchesTheReferenceModelOnSeededRandomTasks() {
    long seed = System.nanoTime();
    System.out.println("claimOrderMatchesTheReferenceModelOnSeededRandomTasks seed=" + seed);
    Random random = new Random(seed);
    Instant past = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
    String alphabet = "aAbBzZ09_.-:";
    for (int round = 0; round < 4; round++) {
      String queue = "order-" + round;
      Set<String> ids = new HashSet<>();
      while (ids.size() < 30) {
        // Ids are store-wide, so each round's start with its number.
        StringBuilder id = new StringBuilder().append(round).append(alphabet.charAt(random.nextInt(8)));
        for (int i = random.nextInt(4); i > 0; i--) {
          id.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        ids.add(id.toString());
      }
      List<NewTask> tasks = new ArrayList<>();
      for (String id : ids) {
        tasks.add(task(queue).id(id).priority(List.of(0, 1, 5, 9).get(random.nextInt(4)))
            .runAt(past.plusSeconds(10L * random.nextInt(3))).build());
      }
      Collections.shuffle(tasks, random);
      for (int from = 0; from < tasks.size(); ) {
        int to = Math.min(tasks.size(), from + 1 + random.nextInt(10));
        store.insertMany(new InsertRequest(tasks.subList(from, to)));
        from = to;
      }

      List<TaskId> expected = ClaimOrder.of(tasks);
      for (int from = 0; from < expected.size(); ) {
        int to = Math.min(expected.size(), from + 1 + random.nextInt(7));
        List<Task> claimed = claim(queue, to - from);
        assertThat(claimed).extracting(Task::id).as("claim %d..%d of round %d, seed %d", from, to, round, seed)
            .containsExactlyInAnyOrderElementsOf(expected.subList(from, to));
        from = to;
      }
    }
  }

  private Task claimOnlyOneOf(String queue) {
    List<Task> claimed = claim(queue, 1);
    assertThat(claimed).hasSize(1);
    return claimed.getFirst();
  }

  @Test
  void delayedTaskIsNotClaimableBeforeItsTimeAndIsAfter() {
    Task far = insertOne(task("q").delay(FAR_AWAY).build());
    Task soon = insertOne(task("q").delay(SHORT_DELAY).build());
    Task later = insertOne(task("q").runAt(Instant.now().plus(FAR_AWAY)).build());
    assertThat(far.state()).isEqualTo(TaskState.SCHEDULED);
    assertThat(later.state()).isEqualTo(TaskState.SCHEDULED);

    AtomicReference<Task> claimed = new AtomicReference<>();
    await().atMost(PATIENCE).until(() -> {
      List<Task> tasks = claim("q", 10);
      tasks.forEach(t -> assertThat(t.id()).as("only the short delay comes due").isEqualTo(soon.id()));
      return tasks.isEmpty() ? false : claimed.compareAndSet(null, tasks.getFirst());
    });

    assertThat(claimed.get().startedAt()).as("claimed no earlier than its runAt").isAfterOrEqualTo(soon.runAt());
    assertThat(get(far.id()).state()).isEqualTo(TaskState.SCHEDULED);
    assertThat(get(later.id()).state()).isEqualTo(TaskState.SCHEDULED);
  }

  @Test
  void taskWithRunAtInThePastIsReadyAtOnce() {
    Task task = insertOne(task("q").runAt(Instant.now().minusSeconds(60)).build());

    assertThat(task.state()).isEqualTo(TaskState.READY);
    assertThat(claimOnly("q").id()).isEqualTo(task.id());
  }

  // ---------------------------------------------------------------- concurrent claims

  @Test
  void concurrentBatchClaimsNeverHandOneTaskToTwoClaimers() throws Exception {
    int total = 2_000;
    for (int batch = 0; batch < total / 500; batch++) {
      List<NewTask> tasks = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        tasks.add(task("busy").build());
      }
      store.insertMany(new InsertRequest(tasks));
    }
    int claimers = 8;
    ConcurrentLinkedQueue<TaskId> claimed = new ConcurrentLinkedQueue<>();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(claimers);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int c = 0; c < claimers; c++) {
        String worker = "worker-" + c;
        int batchSize = 17 + c * 5;
        futures.add(pool.submit(() -> {
          start.await();
          while (true) {
            List<Task> tasks = store.claim(new ClaimRequest("busy", batchSize, LONG_LEASE, worker)).tasks();
            if (tasks.isEmpty()) {
              return null;
            }
            tasks.forEach(t -> {
              assertThat(t.lease().workerId()).isEqualTo(worker);
              claimed.add(t.id());
            });
          }
        }));
      }
      start.countDown();
      for (Future<?> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(claimed).hasSize(total);
    assertThat(new HashSet<>(claimed)).hasSize(total);
    assertThat(store.queues()).singleElement()
        .satisfies(q -> assertThat(q.counts()).isEqualTo(Map.of(TaskState.RUNNING, (long) total)));
  }

  // ---------------------------------------------------------------- leases

  @Test
  void expiredLeaseMakesTaskClaimableAgainWithNextAttempt() {
    insertOne(task("q").build());
    Task first = claim("q", 1, SHORT_LEASE).getFirst();
    assertThat(first.attempt()).isEqualTo(1);

    AtomicReference<Task> again = new AtomicReference<>();
    await().atMost(PATIENCE).until(() -> {
      sweep();
      List<Task> tasks = claim("q", 1, LONG_LEASE);
      return !tasks.isEmpty() && again.compareAndSet(null, tasks.getFirst());
    });

    Task second = again.get();
    assertThat(second.id()).isEqualTo(first.id());
    assertThat(second.attempt()).isEqualTo(2);
    assertThat(second.lease().token()).isNotEqualTo(first.lease().token());
    assertThat(second.startedAt()).as("no second lease while the first was live")
        .isAfterOrEqualTo(first.lease().until());
  }

  @Test
  void expiredLeaseOnTheFinalAttemptSendsTheTaskToDead() {
    // A task that kills its worker every time must not be retried forever: the crashed attempt counts.
    insertOne(task("q").retry(RetryPolicy.of(1, Duration.ofSeconds(1), Duration.ofSeconds(1))).build());
    Task first = claim("q", 1, SHORT_LEASE).getFirst();
    SweepResult.Swept swept = awaitSwept(first);
    assertThat(swept.state()).isEqualTo(TaskState.DEAD);
    assertThat(swept.timedOut()).isFalse();
    assertThat(swept.task().lease()).isEqualTo(first.lease());
    assertThat(claim("q", 1, LONG_LEASE)).isEmpty();
    Task dead = get(first.id());
    assertThat(dead.attempt()).isEqualTo(1);
    assertThat(dead.lastError()).contains("lease expired");
    assertThat(dead.finishedAt()).isNotNull();
    assertThat(complete(first, new Completion.Succeeded(null)).stale()).containsExactly(first.id());
  }

  @Test
  void expiredLeaseIsSweptBackToReadyWithItsLossInTheErrorHistory() {
    Task inserted = insertOne(task("q").build());
    Task first = claim("q", 1, SHORT_LEASE).getFirst();
    assertThat(sweep()).as("a live lease is not swept").isEmpty();

    SweepResult.Swept swept = awaitSwept(first);

    assertThat(swept.state()).isEqualTo(TaskState.READY);
    assertThat(swept.error()).isEqualTo("lease expired on worker worker-1");
    assertThat(swept.task().lease()).as("as the sweep found it").isEqualTo(first.lease());
    Task ready = get(first.id());
    assertThat(ready.state()).isEqualTo(TaskState.READY);
    assertThat(ready.lease()).isNull();
    assertThat(ready.attempt()).isEqualTo(1);
    assertThat(ready.runAt()).as("keeps its place in line").isEqualTo(inserted.runAt());
    assertThat(ready.lastError()).isEqualTo(swept.error());
    assertThat(store.errors(first.id())).singleElement().satisfies(e -> {
      assertThat(e.attempt()).isEqualTo(1);
      assertThat(e.workerId()).isEqualTo("worker-1");
      assertThat(e.error()).isEqualTo(swept.error());
    });
    assertThat(sweep()).as("swept once").isEmpty();
    assertThat(claimOnly("q").attempt()).isEqualTo(2);
  }

  @Test
  void claimsLeaveAnExpiredLeaseToTheSweep() {
    // A claim that took it back would have to record the lost attempt too; only the sweep does.
    insertOne(task("q").build());
    Task first = claim("q", 1, SHORT_LEASE).getFirst();
    await().atMost(PATIENCE).until(() -> Instant.now().isAfter(first.lease().until().plusMillis(200)));
    assertThat(claim("q", 1, LONG_LEASE)).isEmpty();
    assertThat(get(first.id()).state()).isEqualTo(TaskState.RUNNING);
    assertThat(store.errors(first.id())).isEmpty();
  }

  @Test
  void completionWithASweptLeaseIsStale() {
    insertOne(task("q").build());
    Task first = claim("q", 1, SHORT_LEASE).getFirst();
    awaitSwept(first);
    Task before = get(first.id());

    assertThat(complete(first, succeeded()).stale()).containsExactly(first.id());
    assertThat(complete(first, new Completion.Retry(SHORT_DELAY, "late")).stale()).containsExactly(first.id());
    assertThat(store.extendMany(new ExtendRequest(List.of(new LeaseRef(first.id(), first.lease().token())),
        LONG_LEASE)).stale()).containsExactly(first.id());
    assertThat(get(first.id())).as("nothing changed").isEqualTo(before);
    assertThat(store.errors(first.id())).hasSize(1);
  }

  @Test
  void concurrentSweepsTakeEachLeaseOnce() throws Exception {
    int total = 40;
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      tasks.add(task("q").build());
    }
    store.insertMany(new InsertRequest(tasks));
    List<Task> running = claim("q", total, SHORT_LEASE);
    assertThat(running).hasSize(total);
    await().atMost(PATIENCE).until(() -> Instant.now().isAfter(running.getLast().lease().until().plusMillis(200)));

    int sweepers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(sweepers);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<SweepResult.Swept>>> results = new ArrayList<>();
    try {
      for (int i = 0; i < sweepers; i++) {
        results.add(pool.submit(() -> {
          go.await();
          List<SweepResult.Swept> mine = new ArrayList<>();
          for (int round = 0; round < 5; round++) {
            mine.addAll(store.sweepExpiredLeases(new SweepRequest(7)).swept());
          }
          return mine;
        }));
      }
      go.countDown();
      List<TaskId> swept = new ArrayList<>();
      for (Future<List<SweepResult.Swept>> f : results) {
        f.get().forEach(s -> swept.add(s.task().id()));
      }
      assertThat(swept).as("every lease swept exactly once").hasSize(total).doesNotHaveDuplicates();
    } finally {
      pool.shutdownNow();
    }
    for (Task t : running) {
      assertThat(store.errors(t.id())).as("one history entry for %s", t.id()).hasSize(1);
      assertThat(get(t.id()).state()).isEqualTo(TaskState.READY);
    }
  }

  @Test
  void leaseRunsNoLongerThanTheTimeoutAndExtensionsPastItAreRefused() {
    Duration timeout = Duration.ofMillis(300);
    insertOne(task("q").timeout(timeout).build());
    Task first = claim("q", 1, LONG_LEASE).getFirst();
    assertThat(first.lease().until()).as("capped at the timeout and its grace")
        .isBeforeOrEqualTo(first.startedAt().plus(timeout).plus(AttemptTimeout.GRACE));
    ExtendResult early = store.extendMany(new ExtendRequest(
        List.of(new LeaseRef(first.id(), first.lease().token())), LONG_LEASE));
    assertThat(early.extended()).containsKey(first.id());
    assertThat(early.extended().get(first.id()))
        .isBeforeOrEqualTo(first.startedAt().plus(timeout).plus(AttemptTimeout.GRACE));

    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> !store.extendMany(new ExtendRequest(
        List.of(new LeaseRef(first.id(), first.lease().token())), LONG_LEASE)).stale().isEmpty());

    SweepResult.Swept swept = awaitSwept(first);
    assertThat(swept.timedOut()).isTrue();
    assertThat(swept.state()).isEqualTo(TaskState.RETRYING);
    assertThat(swept.error()).isEqualTo(AttemptTimeout.error(timeout)).isEqualTo("timed out after 300 ms");
    Task retrying = get(first.id());
    assertThat(retrying.state()).isEqualTo(TaskState.RETRYING);
    assertThat(retrying.lastError()).isEqualTo(swept.error());
    assertThat(store.errors(first.id())).extracting(AttemptError::error).containsExactly(swept.error());
    assertThat(complete(first, succeeded()).stale()).containsExactly(first.id());
    assertThat(claimOnly("q").attempt()).as("retried at once").isEqualTo(2);
  }

  @Test
  void finalAttemptThatOutlivesItsTimeoutIsDead() {
    insertOne(task("q").timeout(Duration.ofMillis(200))
        .retry(RetryPolicy.of(1, Duration.ofSeconds(1), Duration.ofSeconds(1))).build());
    Task first = claim("q", 1, LONG_LEASE).getFirst();
    SweepResult.Swept swept = awaitSwept(first);
    assertThat(swept.state()).isEqualTo(TaskState.DEAD);
    assertThat(swept.error()).isEqualTo("timed out after 200 ms");
    Task dead = get(first.id());
    assertThat(dead.state()).isEqualTo(TaskState.DEAD);
    assertThat(dead.finishedAt()).isNotNull();
  }

  @Test
  void staleLeaseTokenIsRefused() {
    insertOne(task("q").build());
    Task first = claim("q", 1, SHORT_LEASE).getFirst();
    AtomicReference<Task> again = new AtomicReference<>();
    await().atMost(PATIENCE).until(() -> {
      sweep();
      List<Task> tasks = claim("q", 1, LONG_LEASE);
      return !tasks.isEmpty() && again.compareAndSet(null, tasks.getFirst());
    });
    Task before = get(first.id());

    CompleteResult completed = complete(first, new Completion.Succeeded(Json.parse("\"late\"")));
    ExtendResult extended = store.extendMany(new ExtendRequest(
        List.of(new LeaseRef(first.id(), first.lease().token())), LONG_LEASE.multipliedBy(2)));

    assertThat(completed.stale()).containsExactly(first.id());
    assertThat(extended.stale()).containsExactly(first.id());
    assertThat(extended.extended()).isEmpty();
    assertThat(get(first.id())).as("nothing changed").isEqualTo(before);
    assertThat(before.state()).isEqualTo(TaskState.RUNNING);
    assertThat(before.lease().token()).isEqualTo(again.get().lease().token());
  }

  @Test
  void extendKeepsReportedProgressUnderTheFenceAndAfterTheRun() {
    assumeThat(keepsProgress()).as("store keeps progress").isTrue();
    insert(task("q").id("a").build(), task("q").id("b").build());
    Map<String, Task> running = claim("q", 2).stream().collect(Collectors.toMap(t -> t.id().value(), t -> t));
    assertThat(running.get("a").progress()).isNull();
    Json half = Json.parse("{\"done\":50,\"of\":100}");

    ExtendResult result = store.extendMany(new ExtendRequest(List.of(
        new LeaseRef(TaskId.of("a"), running.get("a").lease().token(), half),
        new LeaseRef(TaskId.of("b"), "not-the-token", half)), LONG_LEASE));

    assertThat(result.stale()).containsExactly(TaskId.of("b"));
    assertThat(get(TaskId.of("a")).progress()).isEqualTo(half);
    assertThat(get(TaskId.of("b")).progress()).as("a stale token writes no progress").isNull();
    // An extension without progress keeps the last one; the finished task still shows it.
    store.extendMany(new ExtendRequest(List.of(new LeaseRef(TaskId.of("a"), running.get("a").lease().token())),
        LONG_LEASE));
    assertThat(get(TaskId.of("a")).progress()).isEqualTo(half);
    assertThat(complete(running.get("a"), succeeded()).stale()).isEmpty();
    assertThat(get(TaskId.of("a")).progress()).isEqualTo(half);
    assertThat(store.list(TaskQuery.all(10)).tasks()).filteredOn(t -> t.id().equals(TaskId.of("a")))
        .extracting(Task::progress).containsExactly(half);
  }

  @Test
  void extendManyExtendsCurrentLeasesAndReportsStaleOnes() {
    insert(task("q").id("a").build(), task("q").id("b").build(), task("q").id("c").build());
    Map<String, Task> running = claim("q", 3, SHORT_LEASE).stream()
        .collect(Collectors.toMap(t -> t.id().value(), t -> t));

    ExtendResult result = store.extendMany(new ExtendRequest(List.of(
        new LeaseRef(TaskId.of("a"), running.get("a").lease().token()),
        new LeaseRef(TaskId.of("b"), "not-the-token"),
        new LeaseRef(TaskId.of("c"), running.get("c").lease().token())), LONG_LEASE));

    assertThat(result.stale()).containsExactly(TaskId.of("b"));
    assertThat(result.extended()).containsOnlyKeys(TaskId.of("a"), TaskId.of("c"));
    for (String id : List.of("a", "c")) {
      Instant until = result.extended().get(TaskId.of(id));
      assertThat(until).isAfter(running.get(id).lease().until());
      assertThat(get(TaskId.of(id)).lease().until()).isCloseTo(until, within(1, ChronoUnit.MILLIS));
    }
    assertThat(get(TaskId.of("b")).lease()).isEqualTo(running.get("b").lease());

    // Only the lease that was not extended runs out.
    AtomicReference<List<Task>> reclaimed = new AtomicReference<>();
    await().atMost(PATIENCE).until(() -> {
      sweep();
      List<Task> tasks = claim("q", 3, LONG_LEASE);
      return !tasks.isEmpty() && reclaimed.compareAndSet(null, tasks);
    });
    assertThat(ids(reclaimed.get())).containsExactly(TaskId.of("b"));
  }

  // ---------------------------------------------------------------- completion

  @Test
  void completeManyAppliesMixedOutcomesAndRefusesStaleTokensInTheSameBatch() {
    insert(task("q").id("ok").build(), task("q").id("retry").build(), task("q").id("dead").build(),
        task("q").id("release").build(), task("q").id("stale").build());
    Map<String, Task> running = claim("q", 5).stream().collect(Collectors.toMap(t -> t.id().value(), t -> t));
    Json result = Json.parse("{\"sent\": true}");
    Duration retryDelay = Duration.ofMillis(400);

    CompleteResult outcome = store.completeMany(new CompleteRequest(List.of(
        new Completion(TaskId.of("ok"), running.get("ok").lease().token(), new Completion.Succeeded(result)),
        new Completion(TaskId.of("retry"), running.get("retry").lease().token(),
            new Completion.Retry(retryDelay, "boom")),
        new Completion(TaskId.of("dead"), running.get("dead").lease().token(), new Completion.Dead("fatal")),
        new Completion(TaskId.of("release"), running.get("release").lease().token(),
            new Completion.Release(Duration.ZERO)),
        new Completion(TaskId.of("stale"), "stale-token", new Completion.Succeeded(null)))));

    assertThat(outcome.stale()).containsExactly(TaskId.of("stale"));

    Task ok = get(TaskId.of("ok"));
    assertThat(ok.state()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(ok.result()).isEqualTo(result);
    assertThat(ok.finishedAt()).isNotNull();
    assertThat(ok.lease()).isNull();

    Task retry = get(TaskId.of("retry"));
    assertThat(retry.state()).isEqualTo(TaskState.RETRYING);
    assertThat(retry.lastError()).isEqualTo("boom");
    assertThat(retry.runAt()).isAfterOrEqualTo(running.get("retry").startedAt().plus(retryDelay));
    assertThat(retry.finishedAt()).isNull();

    Task dead = get(TaskId.of("dead"));
    assertThat(dead.state()).isEqualTo(TaskState.DEAD);
    assertThat(dead.lastError()).isEqualTo("fatal");
    assertThat(dead.finishedAt()).isNotNull();

    Task released = get(TaskId.of("release"));
    assertThat(released.state()).isEqualTo(TaskState.READY);
    assertThat(released.attempt()).as("a release burns no attempt").isZero();
    assertThat(released.lease()).isNull();

    Task stale = get(TaskId.of("stale"));
    assertThat(stale.state()).isEqualTo(TaskState.RUNNING);
    assertThat(stale.lease()).isEqualTo(running.get("stale").lease());

    // The released task is claimable now, with attempt 1 again; the retry only after its delay.
    List<Task> now = claim("q", 5);
    assertThat(now).extracting(t -> t.id().value()).contains("release").doesNotContain("ok", "dead", "stale");
    assertThat(now.stream().filter(t -> t.id().value().equals("release")).findFirst().orElseThrow().attempt())
        .isEqualTo(1);
    Task retried = now.stream().filter(t -> t.id().value().equals("retry")).findFirst()
        .orElseGet(() -> awaitClaim("q"));
    assertThat(retried.id().value()).isEqualTo("retry");
    assertThat(retried.attempt()).isEqualTo(2);
    assertThat(retried.startedAt()).as("retried no earlier than its delay").isAfterOrEqualTo(retry.runAt());
  }

  /** Claims from {@code queue} until one task comes. */
  protected Task awaitClaim(String queue) {
    AtomicReference<Task> claimed = new AtomicReference<>();
    await().atMost(PATIENCE).until(() -> {
      List<Task> tasks = claim(queue, 1);
      return !tasks.isEmpty() && claimed.compareAndSet(null, tasks.getFirst());
    });
    return claimed.get();
  }

  @Test
  void retryIsNotClaimableBeforeItsDelay() {
    insertOne(task("q").build());
    Task running = claimOnly("q");

    assertThat(complete(running, new Completion.Retry(FAR_AWAY, "later")).stale()).isEmpty();

    assertThat(claim("q", 10)).isEmpty();
    Task retrying = get(running.id());
    assertThat(retrying.state()).isEqualTo(TaskState.RETRYING);
    assertThat(retrying.runAt()).isAfterOrEqualTo(running.startedAt().plus(FAR_AWAY));
  }

  @Test
  void releaseWithDelaySchedulesTheTaskWithoutBurningAnAttempt() {
    insertOne(task("q").build());
    Task running = claimOnly("q");

    assertThat(complete(running, new Completion.Release(SHORT_DELAY)).stale()).isEmpty();

    Task released = get(running.id());
    assertThat(released.state()).isEqualTo(TaskState.SCHEDULED);
    assertThat(released.attempt()).isZero();
    assertThat(released.lease()).isNull();
    Task again = awaitClaim("q");
    assertThat(again.attempt()).isEqualTo(1);
    assertThat(again.startedAt()).isAfterOrEqualTo(released.runAt());
  }

  @Test
  void releaseAtOnceKeepsTheTasksPlaceInLine() throws InterruptedException {
    insertOne(task("q").build());
    Task first = claimOnly("q");
    Thread.sleep(5); // a later run_at, so that a release which reset it would put the first task last
    insertOne(task("q").build());

    assertThat(complete(first, new Completion.Release(Duration.ZERO)).stale()).isEmpty();

    Task released = get(first.id());
    assertThat(released.state()).isEqualTo(TaskState.READY);
    assertThat(released.runAt()).isEqualTo(first.runAt());
    assertThat(claim("q", 1)).extracting(Task::id).containsExactly(first.id());
  }

  @Test
  void completionOfAnUnknownTaskIsStale() {
    CompleteResult result = store.completeMany(new CompleteRequest(List.of(
        new Completion(TaskId.of("nobody"), "token", succeeded()))));

    assertThat(result.stale()).containsExactly(TaskId.of("nobody"));
  }

  @Test
  void completionAskedForTasksReturnsEachAppliedOneAsItLeftIt() {
    insert(task("q").id("ok").build(), task("q").id("retry").build(), task("q").id("dead").build(),
        task("q").id("release").build(), task("q").id("stale").build());
    Map<String, Task> running = claim("q", 5).stream().collect(Collectors.toMap(t -> t.id().value(), t -> t));
    Json result = Json.parse("{\"sent\":1}");

    CompleteResult outcome = store.completeMany(new CompleteRequest(List.of(
        new Completion(TaskId.of("release"), running.get("release").lease().token(),
            new Completion.Release(Duration.ZERO)),
        new Completion(TaskId.of("stale"), "stale-token", succeeded()),
        new Completion(TaskId.of("ok"), running.get("ok").lease().token(), new Completion.Succeeded(result)),
        new Completion(TaskId.of("nobody"), "token", succeeded()),
        new Completion(TaskId.of("retry"), running.get("retry").lease().token(), new Completion.Retry(FAR_AWAY, "boom")),
        new Completion(TaskId.of("dead"), running.get("dead").lease().token(), new Completion.Dead("fatal"))),
        true));

    assertThat(outcome.stale()).containsExactlyInAnyOrder(TaskId.of("stale"), TaskId.of("nobody"));
    // Exactly what a read afterwards finds, in the order of the request: the returned tasks stand in for that read.
    assertThat(outcome.tasks()).extracting(t -> t.id().value()).containsExactly("release", "ok", "retry", "dead");
    assertThat(outcome.tasks()).containsExactly(get(TaskId.of("release")), get(TaskId.of("ok")),
        get(TaskId.of("retry")), get(TaskId.of("dead")));
    Task ok = outcome.tasks().get(1);
    assertThat(ok.state()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(ok.result()).isEqualTo(result);
    assertThat(ok.lease()).isNull();
    assertThat(ok.startedAt()).isEqualTo(running.get("ok").startedAt());
    assertThat(ok.finishedAt()).isAfterOrEqualTo(ok.startedAt());
    assertThat(outcome.tasks().get(0).state()).isEqualTo(TaskState.READY);
    assertThat(outcome.tasks().get(2).state()).isEqualTo(TaskState.RETRYING);
    assertThat(outcome.tasks().get(3).state()).isEqualTo(TaskState.DEAD);
    assertThat(outcome.tasks().get(3).lastError()).isEqualTo("fatal");
  }

  @Test
  void aBatchOfSuccessesAskedForTasksReturnsEachAppliedOneAsItLeftIt() {
    insert(task("q").id("a").build(), task("q").id("b").build(), task("q").id("c").build());
    Map<String, Task> running = claim("q", 3).stream().collect(Collectors.toMap(t -> t.id().value(), t -> t));
    Json result = Json.parse("{\"sent\":2}");

    CompleteResult outcome = store.completeMany(new CompleteRequest(List.of(
        new Completion(TaskId.of("c"), running.get("c").lease().token(), succeeded()),
        new Completion(TaskId.of("a"), "stale-token", succeeded()),
        new Completion(TaskId.of("b"), running.get("b").lease().token(), new Completion.Succeeded(result))),
        true));

    assertThat(outcome.stale()).containsExactly(TaskId.of("a"));
    assertThat(outcome.tasks()).containsExactly(get(TaskId.of("c")), get(TaskId.of("b")));
    assertThat(outcome.tasks()).extracting(Task::state).containsOnly(TaskState.SUCCEEDED);
    assertThat(outcome.tasks().get(1).result()).isEqualTo(result);
    assertThat(outcome.tasks()).allSatisfy(t -> assertThat(t.lease()).isNull());
    assertThat(get(TaskId.of("a")).state()).isEqualTo(TaskState.RUNNING);
  }

  @Test
  void completionNotAskedForTasksReturnsNone() {
    Task running = insertAndClaim("q");

    CompleteResult outcome = complete(running, succeeded());

    assertThat(outcome.stale()).isEmpty();
    assertThat(outcome.tasks()).isEmpty();
    assertThat(get(running.id()).state()).isEqualTo(TaskState.SUCCEEDED);
  }

  @Test
  void oneCompletionGivenTwiceReturnsItsTaskOnce() {
    Task running = insertAndClaim("q");
    Completion done = new Completion(running.id(), running.lease().token(), succeeded());

    CompleteResult outcome = store.completeMany(new CompleteRequest(List.of(done, done), true));

    assertThat(outcome.tasks()).containsExactly(get(running.id()));
  }

  // ---------------------------------------------------------------- dead-letter queue

  @Test
  void replayDeadByIdMakesThatTaskReadyWithAttemptZero() {
    List<Task> dead = deadTasks("q", 2);

    int replayed = store.replayDead(DeadFilter.of(dead.get(0).id()));

    assertThat(replayed).isEqualTo(1);
    Task task = get(dead.get(0).id());
    assertThat(task.state()).isEqualTo(TaskState.READY);
    assertThat(task.attempt()).isZero();
    assertThat(task.finishedAt()).isNull();
    assertThat(get(dead.get(1).id()).state()).isEqualTo(TaskState.DEAD);
    Task claimed = claimOnly("q");
    assertThat(claimed.id()).isEqualTo(dead.get(0).id());
    assertThat(claimed.attempt()).isEqualTo(1);
  }

  @Test
  void replayDeadByQueueTouchesOnlyThatQueue() {
    List<Task> inOne = deadTasks("one", 2);
    List<Task> inTwo = deadTasks("two", 1);

    assertThat(store.replayDead(DeadFilter.inQueue("one"))).isEqualTo(2);

    assertThat(inOne).allSatisfy(t -> assertThat(get(t.id()).state()).isEqualTo(TaskState.READY));
    assertThat(get(inTwo.getFirst().id()).state()).isEqualTo(TaskState.DEAD);
    assertThat(ids(claim("one", 10))).isEqualTo(ids(inOne));
  }

  @Test
  void replayDeadLeavesTasksInOtherStatesAlone() {
    Task done = succeededTask("q");
    Task ready = insertOne(task("q").build());

    assertThat(store.replayDead(DeadFilter.all())).isZero();
    assertThat(store.replayDead(DeadFilter.of(done.id()))).isZero();

    assertThat(get(done.id())).isEqualTo(done);
    assertThat(get(ready.id())).isEqualTo(ready);
  }

  @Test
  void purgeDeadDeletesOnlyDeadTasksMatchingTheFilter() {
    List<Task> inOne = deadTasks("one", 2);
    List<Task> inTwo = deadTasks("two", 2);
    Task done = succeededTask("one");
    Task ready = insertOne(task("one").build());

    assertThat(store.purgeDead(DeadFilter.inQueue("one"))).isEqualTo(2);
    assertThat(store.purgeDead(DeadFilter.of(done.id()))).isZero();
    assertThat(store.purgeDead(DeadFilter.of(inTwo.get(0).id()))).isEqualTo(1);

    assertThat(inOne).allSatisfy(t -> assertThat(store.get(t.id())).isEmpty());
    assertThat(store.get(inTwo.get(0).id())).isEmpty();
    assertThat(get(inTwo.get(1).id()).state()).isEqualTo(TaskState.DEAD);
    assertThat(get(done.id()).state()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(get(ready.id()).state()).isEqualTo(TaskState.READY);
    assertThat(store.purgeDead(DeadFilter.all())).isEqualTo(1);
  }

  @Test
  void purgeDeadFiltersByType() {
    insertOne(task("q").type("mail").build());
    insertOne(task("q").type("sms").build());
    for (Task t : claim("q", 2)) {
      complete(t, new Completion.Dead("no"));
    }

    assertThat(store.purgeDead(new DeadFilter(null, null, "mail"))).isEqualTo(1);

    assertThat(StoreInvariants.listAll(store)).extracting(Task::type).containsExactly("sms");
  }

  // ---------------------------------------------------------------- cancel

  @Test
  void cancelStopsReadyScheduledAndRunningTasks() {
    Task ready = insertOne(task("q").build());
    Task scheduled = insertOne(task("q").delay(FAR_AWAY).build());
    insertOne(task("r").build());
    Task running = claimOnly("r");

    for (Task task : List.of(ready, scheduled, running)) {
      CancelResult result = store.cancel(new CancelRequest(task.id()));
      assertThat(result.status()).isEqualTo(CancelResult.Status.CANCELLED);
      assertThat(result.task().state()).isEqualTo(TaskState.CANCELLED);
      assertThat(result.task().lease()).isNull();
      assertThat(result.task().finishedAt()).isNotNull();
      assertThat(get(task.id())).isEqualTo(result.task());
    }

    Task cancelled = get(running.id());
    assertThat(complete(running, succeeded()).stale()).as("the cancelled run's completion is stale")
        .containsExactly(running.id());
    assertThat(store.extendMany(new ExtendRequest(List.of(new LeaseRef(running.id(), running.lease().token())),
        LONG_LEASE)).stale()).containsExactly(running.id());
    assertThat(get(running.id())).isEqualTo(cancelled);
    assertThat(claim("q", 10)).isEmpty();
    assertThat(claim("r", 10)).isEmpty();
  }

  @Test
  void cancelOfAFinishedTaskReportsAlreadyFinal() {
    Task done = succeededTask("q");
    Task dead = deadTasks("q", 1).getFirst();

    for (Task task : List.of(done, dead)) {
      CancelResult result = store.cancel(new CancelRequest(task.id()));
      assertThat(result.status()).isEqualTo(CancelResult.Status.ALREADY_FINAL);
      assertThat(result.task()).isEqualTo(task);
      assertThat(get(task.id())).isEqualTo(task);
    }
    Task cancelled = insertOne(task("q").build());
    store.cancel(new CancelRequest(cancelled.id()));
    assertThat(store.cancel(new CancelRequest(cancelled.id())).status()).isEqualTo(CancelResult.Status.ALREADY_FINAL);
  }

  @Test
  void cancelOfAnUnknownIdReportsNotFound() {
    CancelResult result = store.cancel(new CancelRequest(TaskId.of("nobody")));

    assertThat(result.status()).isEqualTo(CancelResult.Status.NOT_FOUND);
    assertThat(result.task()).isNull();
  }

  // ---------------------------------------------------------------- idempotency

  @Test
  void concurrentInsertsWithOneIdempotencyKeyMakeOneTask() throws Exception {
    int callers = 10;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    List<InsertResult.Outcome> outcomes = new ArrayList<>();
    try {
      List<Future<InsertResult>> futures = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        NewTask task = task("q").idempotencyKey("order-42").payload("{\"caller\":" + i + "}").build();
        futures.add(pool.submit(() -> {
          start.await();
          return store.insertMany(new InsertRequest(List.of(task)));
        }));
      }
      start.countDown();
      for (Future<InsertResult> future : futures) {
        outcomes.addAll(future.get(30, TimeUnit.SECONDS).outcomes());
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(outcomes).hasSize(callers);
    assertThat(outcomes).filteredOn(InsertResult.Outcome::created).hasSize(1);
    assertThat(outcomes.stream().map(o -> o.task().id()).distinct()).hasSize(1);
    assertThat(StoreInvariants.listAll(store)).singleElement()
        .satisfies(t -> assertThat(t.idempotencyKey()).isEqualTo("order-42"));
  }

  @Test
  void sameIdempotencyKeyInAnotherQueueIsAnotherTask() {
    Task one = insertOne(task("one").idempotencyKey("k").build());
    InsertResult two = store.insertMany(new InsertRequest(List.of(task("two").idempotencyKey("k").build())));

    assertThat(two.outcomes().getFirst().created()).isTrue();
    assertThat(two.outcomes().getFirst().task().id()).isNotEqualTo(one.id());
    assertThat(StoreInvariants.listAll(store)).hasSize(2);
  }

  @Test
  void sameIdempotencyKeyTwiceInOneBatchMakesOneTask() {
    NewTask first = task("q").idempotencyKey("k").payload("{\"n\":1}").build();
    NewTask second = task("q").idempotencyKey("k").payload("{\"n\":2}").build();

    InsertResult result = store.insertMany(new InsertRequest(List.of(first, second)));

    assertThat(result.outcomes()).extracting(InsertResult.Outcome::created).containsExactly(true, false);
    assertThat(result.outcomes()).allSatisfy(o -> assertThat(o.task().id()).isEqualTo(first.id()));
    assertThat(result.outcomes().get(1).task().payload()).isEqualTo(first.payload());
    assertThat(StoreInvariants.listAll(store)).hasSize(1);
  }

  @Test
  void duplicateClientChosenIdReturnsTheExistingTask() {
    Task original = insertOne(task("q").id("client-7").payload("{\"v\":\"original\"}").build());

    InsertResult again = store.insertMany(new InsertRequest(List.of(
        task("q").id("client-7").payload("{\"v\":\"other\"}").build())));

    assertThat(again.outcomes().getFirst().created()).isFalse();
    assertThat(again.outcomes().getFirst().task()).isEqualTo(original);
    assertThat(get(TaskId.of("client-7")).payload()).isEqualTo(Json.parse("{\"v\":\"original\"}"));
  }

  @Test
  void idempotencyKeyIsFreeAgainOnceItsTaskIsGone() {
    Task first = insertOne(task("q").idempotencyKey("k").build());
    Task running = claimOnly("q");
    complete(running, new Completion.Dead("no"));
    store.purgeDead(DeadFilter.of(first.id()));

    InsertResult again = store.insertMany(new InsertRequest(List.of(task("q").idempotencyKey("k").build())));

    assertThat(again.outcomes().getFirst().created()).isTrue();
  }

  // ---------------------------------------------------------------- insert

  @Test
  void insertedTaskComesBackAsInserted() {
    NewTask spec = task("mail").type("send_email").priority(7).idempotencyKey("key-1")
        .payload("{\"to\":\"a@example.com\"}").build();

    InsertResult result = store.insertMany(new InsertRequest(List.of(spec)));

    Task task = result.outcomes().getFirst().task();
    assertThat(result.outcomes().getFirst().created()).isTrue();
    assertThat(task.id()).isEqualTo(spec.id());
    assertThat(task.queue()).isEqualTo("mail");
    assertThat(task.type()).isEqualTo("send_email");
    assertThat(task.priority()).isEqualTo(7);
    assertThat(task.state()).isEqualTo(TaskState.READY);
    assertThat(task.attempt()).isZero();
    assertThat(task.retry()).isEqualTo(spec.retry());
    assertThat(task.timeout()).isEqualTo(spec.timeout());
    assertThat(task.idempotencyKey()).isEqualTo("key-1");
    assertThat(task.lease()).isNull();
    assertThat(task.kind()).isEqualTo(TaskSpec.HANDLER_KIND);
    assertThat(task.headers()).isEmpty();
    assertThat(get(task.id())).isEqualTo(task);
  }

  @Test
  void everyTaskABatchInsertsIsWhatAReadOfItGives() {
    // A store may answer an insert from what it was given and what the database decided, without reading
    // the rows back: each field must still be what is stored, in every state an insert can produce.
    Map<String, String> headers = Map.of("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "x-tenant", "acme");
    List<NewTask> batch = List.of(
        task("mail").id("client-chosen-1").type("send_email").priority(9).payload("{\"to\":[1,2.5,null]}")
            .retry(new RetryPolicy(9, Duration.ofMillis(250), Duration.ofMinutes(3)))
            .timeout(Duration.ofSeconds(42)).idempotencyKey("k-1").kind("http").headers(headers).build(),
        task("mail").delay(Duration.ofMinutes(5)).build(),
        task("mail").runAt(Instant.parse("2031-01-02T03:04:05.123456Z")).build(),
        task("mail").joinCount(2).build(),
        task("other").runAt(Instant.parse("2020-01-01T00:00:00Z")).build());

    List<InsertResult.Outcome> outcomes = store.insertMany(new InsertRequest(batch)).outcomes();

    assertThat(outcomes).extracting(o -> o.task().state()).containsExactly(
        TaskState.READY, TaskState.SCHEDULED, TaskState.SCHEDULED, TaskState.WAITING, TaskState.READY);
    for (InsertResult.Outcome o : outcomes) {
      assertThat(o.created()).isTrue();
      assertThat(o.task()).isEqualTo(get(o.task().id()));
    }
    assertThat(outcomes.get(0).task().headers()).isEqualTo(headers);
    assertThat(outcomes.get(2).task().runAt()).isEqualTo(Instant.parse("2031-01-02T03:04:05.123456Z"));
  }

  @Test
  void kindAndHeadersAreKeptFromInsertThroughClaimAndCompletion() {
    Map<String, String> headers = Map.of("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "tracestate", "congo=t61rcWkgMzE", "x-tenant", "acme");
    NewTask spec = task("q").kind("http").headers(headers).build();
    NewTask plain = task("q").build();

    List<InsertResult.Outcome> inserted = store.insertMany(new InsertRequest(List.of(spec, plain))).outcomes();

    assertThat(inserted.get(0).task().kind()).isEqualTo("http");
    assertThat(inserted.get(0).task().headers()).isEqualTo(headers);
    assertThat(inserted.get(1).task().kind()).isEqualTo(TaskSpec.HANDLER_KIND);
    assertThat(inserted.get(1).task().headers()).isEmpty();
    List<Task> claimed = claim("q", 2);
    assertThat(claimed).extracting(Task::kind).containsExactlyInAnyOrder("http", TaskSpec.HANDLER_KIND);
    Task claimedSpec = claimed.stream().filter(t -> t.id().equals(spec.id())).findFirst().orElseThrow();
    assertThat(claimedSpec.headers()).isEqualTo(headers);
    complete(claimedSpec, new Completion.Succeeded(null));
    assertThat(get(spec.id()).kind()).isEqualTo("http");
    assertThat(get(spec.id()).headers()).isEqualTo(headers);
  }

  @Test
  void insertManyBatchIsSeenWholeOrNotAtAll() throws Exception {
    int batches = 20;
    int batchSize = 100;
    AtomicBoolean writing = new AtomicBoolean(true);
    ConcurrentLinkedQueue<Long> seen = new ConcurrentLinkedQueue<>();
    Thread reader = Thread.ofPlatform().start(() -> {
      while (writing.get()) {
        seen.add(store.queues().stream().filter(q -> q.queue().equals("atomic")).mapToLong(QueueInfo::total)
            .sum());
      }
    });
    try {
      for (int b = 0; b < batches; b++) {
        List<NewTask> tasks = new ArrayList<>();
        for (int i = 0; i < batchSize; i++) {
          tasks.add(task("atomic").build());
        }
        List<Task> inserted = store.insertMany(new InsertRequest(tasks)).outcomes().stream()
            .map(InsertResult.Outcome::task).toList();
        // All of it is there once the call returned.
        assertThat(store.get(inserted.getFirst().id())).isPresent();
        assertThat(store.get(inserted.getLast().id())).isPresent();
        long total = store.queues().stream().filter(q -> q.queue().equals("atomic")).mapToLong(QueueInfo::total)
            .sum();
        assertThat(total).isEqualTo((long) (b + 1) * batchSize);
      }
    } finally {
      writing.set(false);
      reader.join();
    }

    assertThat(seen).isNotEmpty();
    assertThat(seen).allSatisfy(n -> assertThat(n % batchSize).as("a reader saw %d tasks", n).isZero());
  }

  @Test
  void payloadBytesComeBackExactlyAsInserted() {
    String text = "{ \"zeta\" : 1,\n\t\"alpha\" : [ \"ünïcödé ✓ 漢字 😀\", 2.50, 1e3 ],  \"nested\":{\"b\":null,\"a\":true} }";
    Json payload = Json.of(text.getBytes(StandardCharsets.UTF_8));
    Json result = Json.parse("[ 3 , \"résultat\" ]");

    Task inserted = insertOne(task("q").payload(payload).build());
    Task claimed = claimOnly("q");
    complete(claimed, new Completion.Succeeded(result));

    assertThat(inserted.payload().toByteArray()).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
    assertThat(claimed.payload().toByteArray()).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
    Task done = get(inserted.id());
    assertThat(done.payload().toByteArray()).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
    assertThat(done.result().asString()).isEqualTo("[ 3 , \"résultat\" ]");
  }

  // ---------------------------------------------------------------- reads

  @Test
  void getOfAnUnknownIdIsEmpty() {
    assertThat(store.get(TaskId.of("nobody"))).isEmpty();
  }

  @Test
  void listPagesNewestFirstWithACursor() {
    List<TaskId> inserted = new ArrayList<>();
    for (int b = 0; b < 5; b++) {
      List<NewTask> tasks = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        tasks.add(task("q").build());
      }
      store.insertMany(new InsertRequest(tasks)).outcomes().forEach(o -> inserted.add(o.task().id()));
    }
    List<TaskId> expected = inserted.stream().sorted(Collections.reverseOrder()).toList();

    List<TaskId> listed = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    TaskId cursor = null;
    do {
      TaskPage page = store.list(new TaskQuery(null, null, null, 10, cursor));
      page.tasks().forEach(t -> listed.add(t.id()));
      sizes.add(page.tasks().size());
      cursor = page.next();
    } while (cursor != null);

    assertThat(sizes).containsExactly(10, 10, 5);
    assertThat(listed).containsExactlyElementsOf(expected);
  }

  @Test
  void listFiltersByQueueStateAndType() {
    Task mailReady = insertOne(task("one").type("mail").build());
    Task smsScheduled = insertOne(task("one").type("sms").delay(FAR_AWAY).build());
    Task smsRunning = insertOne(task("two").type("sms").build());
    Task mailRunning = insertOne(task("two").type("mail").build());
    assertThat(claim("two", 10)).extracting(Task::id).containsExactlyInAnyOrder(smsRunning.id(), mailRunning.id());
    Task mailReadyToo = insertOne(task("two").type("mail").build());

    assertThat(listIds(new TaskQuery("one", null, null, 100, null)))
        .containsExactlyInAnyOrder(mailReady.id(), smsScheduled.id());
    assertThat(listIds(new TaskQuery(null, TaskState.RUNNING, null, 100, null)))
        .containsExactlyInAnyOrder(smsRunning.id(), mailRunning.id());
    assertThat(listIds(new TaskQuery(null, null, "mail", 100, null)))
        .containsExactlyInAnyOrder(mailReady.id(), mailRunning.id(), mailReadyToo.id());
    assertThat(listIds(new TaskQuery(null, TaskState.READY, "mail", 100, null)))
        .containsExactlyInAnyOrder(mailReady.id(), mailReadyToo.id());
    assertThat(listIds(new TaskQuery("two", TaskState.RUNNING, "sms", 100, null)))
        .containsExactly(smsRunning.id());
    assertThat(listIds(new TaskQuery("one", TaskState.SCHEDULED, null, 100, null)))
        .containsExactly(smsScheduled.id());
    assertThat(listIds(new TaskQuery("three", null, null, 100, null))).isEmpty();
    TaskPage firstOfTwo = store.list(new TaskQuery("two", null, "mail", 1, null));
    assertThat(firstOfTwo.tasks()).hasSize(1);
    assertThat(firstOfTwo.next()).isNotNull();
    TaskPage secondOfTwo = store.list(new TaskQuery("two", null, "mail", 1, firstOfTwo.next()));
    assertThat(List.of(firstOfTwo.tasks().getFirst().id(), secondOfTwo.tasks().getFirst().id()))
        .containsExactly(mailReadyToo.id(), mailRunning.id());
    assertThat(secondOfTwo.next()).isNull();
  }

  @Test
  void runningTasksPageNewestFirstAndLeaveWhenTheyEnd() {
    List<Task> one = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      insertOne(task("one").build());
    }
    Task stillReady = insertOne(task("one").build());
    one.addAll(claim("one", 4));
    insertOne(task("two").build());
    Task two = claim("two", 1).getFirst();
    List<TaskId> running = java.util.stream.Stream.concat(one.stream(), java.util.stream.Stream.of(two))
        .map(Task::id).sorted(Collections.reverseOrder()).toList();
    assertThat(one).extracting(Task::id).doesNotContain(stillReady.id());

    List<Integer> sizes = new ArrayList<>();
    assertThat(allPages(new TaskQuery(null, TaskState.RUNNING, null, 2, null), sizes)).containsExactlyElementsOf(running);
    assertThat(sizes).startsWith(2, 2).allMatch(n -> n <= 2);
    assertThat(allPages(new TaskQuery("one", TaskState.RUNNING, null, 3, null)))
        .containsExactlyElementsOf(running.stream().filter(id -> !id.equals(two.id())).toList());
    assertThat(store.list(new TaskQuery(null, TaskState.RUNNING, null, 10, null)).tasks())
        .allSatisfy(t -> assertThat(t.lease()).as("a running task's lease").isNotNull());

    Task done = one.getFirst();
    assertThat(complete(done, succeeded()).stale()).isEmpty();
    assertThat(allPages(new TaskQuery(null, TaskState.RUNNING, null, 2, null)))
        .containsExactlyElementsOf(running.stream().filter(id -> !id.equals(done.id())).toList());
    Task succeeded = get(done.id());
    assertThat(succeeded.state()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(succeeded.lease()).as("an ended task holds no lease").isNull();
    assertThat(store.list(new TaskQuery(null, TaskState.SUCCEEDED, null, 10, null)).tasks())
        .singleElement().satisfies(t -> assertThat(t.lease()).isNull());
  }

  private List<TaskId> listIds(TaskQuery query) {
    return store.list(query).tasks().stream().map(Task::id).toList();
  }

  @Test
  void queuesCountTasksByStateAndShowThePausedFlag() {
    insert(task("one").build(), task("one").build(), task("one").delay(FAR_AWAY).build(), task("one").build());
    claimOnlyOneOf("one");
    deadTasks("two", 1);
    store.pauseQueue(new QueuePauseRequest("three", true));

    Map<String, QueueInfo> queues = store.queues().stream().collect(Collectors.toMap(QueueInfo::queue, q -> q));

    assertThat(queues).containsOnlyKeys("one", "two", "three");
    assertThat(queues.get("one").counts()).isEqualTo(Map.of(
        TaskState.READY, 2L, TaskState.SCHEDULED, 1L, TaskState.RUNNING, 1L));
    assertThat(queues.get("one").paused()).isFalse();
    assertThat(queues.get("two").counts()).isEqualTo(Map.of(TaskState.DEAD, 1L));
    assertThat(queues.get("three").paused()).isTrue();
    assertThat(queues.get("three").total()).isZero();
  }

  @Test
  void queueWithNoTaskNoLimitsAndNotPausedVanishes() {
    store.pauseQueue(new QueuePauseRequest("paused_once", true));
    store.pauseQueue(new QueuePauseRequest("paused_once", false));
    store.capability(QueueLimitStore.class).ifPresent(limits -> {
      limits.limitQueue(new QueueLimitsRequest("limited_once", new QueueLimits(3, null, null)));
      limits.limitQueue(new QueueLimitsRequest("limited_once", QueueLimits.NONE));
    });
    store.pauseQueue(new QueuePauseRequest("still_paused", true));
    insertOne(task("busy").build());

    assertThat(store.queues()).extracting(QueueInfo::queue).containsExactlyInAnyOrder("still_paused", "busy");
  }

  @Test
  void dueTasksComeSoonestFirstAcrossQueues() {
    Task later = insertOne(task("a").delay(Duration.ofHours(3)).build());
    Task soonest = insertOne(task("b").delay(Duration.ofHours(1)).build());
    Task middle = insertOne(task("a").type("other").delay(Duration.ofHours(2)).build());
    insertOne(task("a").build()); // READY: not waiting for a later run
    insertOne(task("c").retry(RetryPolicy.of(3, Duration.ofMillis(1), Duration.ofMillis(1))).build());
    Task retrying = claimOnly("c");
    assertThat(complete(retrying, new Completion.Retry(Duration.ofMinutes(90), "flaky")).stale()).isEmpty();

    assertThat(store.listDue(new DueQuery(null, null, 10)).tasks()).extracting(Task::id)
        .containsExactly(soonest.id(), retrying.id(), middle.id(), later.id());
    assertThat(store.listDue(new DueQuery(null, null, 2)).tasks()).extracting(Task::id)
        .containsExactly(soonest.id(), retrying.id());
    assertThat(store.listDue(new DueQuery("a", null, 10)).tasks()).extracting(Task::id)
        .containsExactly(middle.id(), later.id());
    assertThat(store.listDue(new DueQuery(null, "other", 10)).tasks()).extracting(Task::id)
        .containsExactly(middle.id());
    assertThat(store.listDue(new DueQuery(null, null, 10)).tasks()).filteredOn(t -> t.id().equals(retrying.id()))
        .singleElement().satisfies(t -> {
          assertThat(t.state()).isEqualTo(TaskState.RETRYING);
          assertThat(t.lastError()).isEqualTo("flaky");
        });
  }

  @Test
  void runNowMakesWaitingTasksClaimableKeepingTheirAttempt() {
    insertOne(task("c").retry(RetryPolicy.of(3, Duration.ofMillis(1), Duration.ofMillis(1))).build());
    Task retrying = claimOnly("c");
    assertThat(complete(retrying, new Completion.Retry(FAR_AWAY, "flaky")).stale()).isEmpty();
    Task scheduled = insertOne(task("c").delay(FAR_AWAY).build());
    Task otherType = insertOne(task("c").type("other").delay(FAR_AWAY).build());
    Task elsewhere = insertOne(task("d").delay(FAR_AWAY).build());
    Task ready = insertOne(task("c").build());
    assertThat(claim("c", 10)).extracting(Task::id).containsExactly(ready.id());

    assertThat(store.runNow(new RunNowRequest(null, "c", "noop"))).isEqualTo(2);
    assertThat(get(retrying.id()).state()).isEqualTo(TaskState.READY);
    assertThat(get(retrying.id()).attempt()).as("the attempt is kept").isEqualTo(1);
    assertThat(claim("c", 10)).extracting(Task::id).containsExactlyInAnyOrder(retrying.id(), scheduled.id());
    assertThat(get(otherType.id()).state()).isEqualTo(TaskState.SCHEDULED);
    assertThat(get(elsewhere.id()).state()).isEqualTo(TaskState.SCHEDULED);

    assertThat(store.runNow(RunNowRequest.of(elsewhere.id()))).isEqualTo(1);
    assertThat(store.runNow(RunNowRequest.of(elsewhere.id()))).as("no longer waiting").isZero();
    assertThat(store.runNow(RunNowRequest.of(ready.id()))).as("a running task is not touched").isZero();
    assertThat(claim("d", 10)).extracting(Task::id).containsExactly(elsewhere.id());
  }

  @Test
  void pausedQueueYieldsNoClaimsUntilResumed() {
    Task task = insertOne(task("q").build());
    insertOne(task("other").build());

    store.pauseQueue(new QueuePauseRequest("q", true));
    assertThat(claim("q", 10)).isEmpty();
    assertThat(claim("other", 10)).as("other queues are not paused").hasSize(1);
    assertThat(get(task.id()).state()).isEqualTo(TaskState.READY);

    store.pauseQueue(new QueuePauseRequest("q", false));
    assertThat(claim("q", 10)).extracting(Task::id).containsExactly(task.id());
    assertThat(store.queues()).filteredOn(q -> q.queue().equals("q")).singleElement()
        .satisfies(q -> assertThat(q.paused()).isFalse());
  }

  // ---------------------------------------------------------------- what operators read

  @Test
  void heartbeatsAreCountedPerAttemptAndKeptWithTheAttemptsFailure() {
    assumeThat(countsHeartbeats()).as("store counts heartbeats").isTrue();
    insertOne(task("q").retry(RetryPolicy.of(3, Duration.ofMillis(1), Duration.ofMillis(1))).build());
    Task first = claimOnly("q");
    assertThat(first.heartbeats()).isNull();
    assertThat(get(first.id()).heartbeats()).as("claimed, not yet beating").isNull();
    LeaseRef firstLease = new LeaseRef(first.id(), first.lease().token());
    store.extendMany(new ExtendRequest(List.of(firstLease), LONG_LEASE));
    store.extendMany(new ExtendRequest(List.of(firstLease), LONG_LEASE));
    store.extendMany(new ExtendRequest(List.of(new LeaseRef(first.id(), "not-the-token")), LONG_LEASE));

    Heartbeats beats = get(first.id()).heartbeats();
    assertThat(beats.count()).as("a stale extension is not counted").isEqualTo(2);
    assertThat(beats.first()).isAfterOrEqualTo(first.startedAt()).isBeforeOrEqualTo(beats.last());
    assertThat(complete(first, new Completion.Retry(Duration.ZERO, "refused")).stale()).isEmpty();
    assertThat(get(first.id()).heartbeats()).as("kept after the attempt ended").isEqualTo(beats);

    Task second = awaitClaim("q");
    assertThat(get(second.id()).heartbeats()).as("a new attempt starts with none").isNull();
    store.extendMany(new ExtendRequest(List.of(new LeaseRef(second.id(), second.lease().token())), LONG_LEASE));
    Heartbeats secondBeats = get(second.id()).heartbeats();
    assertThat(secondBeats.count()).isEqualTo(1);
    assertThat(secondBeats.first()).isEqualTo(secondBeats.last()).isAfterOrEqualTo(beats.last());
    assertThat(complete(second, new Completion.Dead("gave up")).stale()).isEmpty();

    assertThat(store.errors(first.id())).extracting(AttemptError::heartbeats).containsExactly(beats, secondBeats);
    assertThat(store.errors(first.id())).extracting(AttemptError::claimedAt)
        .containsExactly(first.startedAt(), second.startedAt());
    assertThat(get(first.id()).heartbeats()).isEqualTo(secondBeats);
    Task third = insertOne(task("q").id("never-beat").build());
    Task running = awaitClaim("q");
    assertThat(complete(running, new Completion.Dead("at once")).stale()).isEmpty();
    assertThat(store.errors(third.id())).extracting(AttemptError::heartbeats).containsExactly((Heartbeats) null);
  }

  @Test
  void deadGroupsCountEveryDeadTaskByTheFirstLineOfItsError() {
    DeadGroupStore groups = store.capability(DeadGroupStore.class).orElse(null);
    assumeThat(groups).as("store groups dead tasks").isNotNull();
    String longLine = "x".repeat(DeadGroups.MAX_MESSAGE + 50);
    Map<String, String> errors = new LinkedHashMap<>();
    errors.put("m1", "SMTP 550 mailbox unavailable\n\tat Mailer.send(Mailer.java:1)");
    errors.put("m2", "  SMTP 550 mailbox unavailable\r\n\tat Mailer.retry(Mailer.java:2)");
    errors.put("m3", longLine);
    errors.put("b1", "SMTP 550 mailbox unavailable");
    insert(task("mail").id("m1").type("send").build(), task("mail").id("m2").type("send").build(),
        task("mail").id("m3").type("send").build(), task("billing").id("b1").type("charge").build());
    for (String id : errors.keySet()) {
      Task running = awaitClaimOf(id.startsWith("b") ? "billing" : "mail", TaskId.of(id));
      assertThat(complete(running, new Completion.Dead(errors.get(id))).stale()).isEmpty();
    }
    insertOne(task("mail").id("ok").type("send").build());
    Task ok = awaitClaim("mail");
    assertThat(complete(ok, succeeded()).stale()).isEmpty();

    DeadGroups all = groups.deadGroups(new DeadGroupQuery(null, null, 100));
    assertThat(all.complete()).isTrue();
    assertThat(all.read()).isEqualTo(4);
    assertThat(all.groups()).extracting(g -> g.error() + "|" + g.queue() + "|" + g.type() + "|" + g.count())
        .containsExactlyInAnyOrder("SMTP 550 mailbox unavailable|mail|send|2",
            "SMTP 550 mailbox unavailable|billing|charge|1", "x".repeat(DeadGroups.MAX_MESSAGE) + "|mail|send|1");
    DeadGroups.Group mail = all.groups().stream()
        .filter(g -> g.queue().equals("mail") && g.error().startsWith("SMTP")).findFirst().orElseThrow();
    assertThat(mail.newest()).isIn(TaskId.of("m1"), TaskId.of("m2"));
    assertThat(mail.lastDiedAt()).isEqualTo(get(mail.newest()).finishedAt());

    assertThat(groups.deadGroups(new DeadGroupQuery("billing", null, 100)).groups())
        .extracting(DeadGroups.Group::queue).containsExactly("billing");
    assertThat(groups.deadGroups(new DeadGroupQuery(null, "charge", 100)).groups()).hasSize(1);
    DeadGroups newest = groups.deadGroups(new DeadGroupQuery(null, null, 2));
    assertThat(newest.read()).isEqualTo(2);
    assertThat(newest.complete()).as("more are dead than were read").isFalse();
    assertThat(newest.groups()).extracting(DeadGroups.Group::count).containsOnly(1L);
  }

  /** Claims in {@code queue} until {@code id} comes, completing what came before it as successes. */
  private Task awaitClaimOf(String queue, TaskId id) {
    while (true) {
      Task t = awaitClaim(queue);
      if (t.id().equals(id)) {
        return t;
      }
      assertThat(complete(t, succeeded()).stale()).isEmpty();
    }
  }

  @Test
  void errorHistoryKeepsEveryFailedAttemptOldestFirst() {
    insertOne(task("q").retry(RetryPolicy.of(3, Duration.ofMillis(1), Duration.ofMillis(1))).build());
    Task first = claimOnly("q");
    assertThat(complete(first, new Completion.Retry(Duration.ZERO, "timeout\n\tat Mailer.send(Mailer.java:1)")).stale())
        .isEmpty();
    Task second = awaitClaim("q");
    assertThat(complete(second, new Completion.Retry(Duration.ZERO, "refused")).stale()).isEmpty();
    Task third = awaitClaim("q");
    assertThat(complete(third, new Completion.Dead("gave up\n\tat Mailer.send(Mailer.java:9)")).stale()).isEmpty();

    List<AttemptError> errors = store.errors(first.id());
    assertThat(errors).extracting(AttemptError::attempt).containsExactly(1, 2, 3);
    assertThat(errors).extracting(AttemptError::error).containsExactly(
        "timeout\n\tat Mailer.send(Mailer.java:1)", "refused", "gave up\n\tat Mailer.send(Mailer.java:9)");
    assertThat(errors).extracting(AttemptError::workerId).containsOnly("worker-1");
    assertThat(errors.getFirst().message()).isEqualTo("timeout");
    assertThat(errors.get(0).at()).isAfterOrEqualTo(first.startedAt()).isBeforeOrEqualTo(errors.get(1).at());
    assertThat(errors.get(2).at()).isAfterOrEqualTo(errors.get(1).at()).isEqualTo(get(first.id()).finishedAt());
    assertThat(get(first.id()).lastError()).isEqualTo(errors.getLast().error());
  }

  @Test
  void errorHistoryKeepsOnlyTheNewestAttempts() {
    int attempts = AttemptError.KEPT_PER_TASK + 5;
    insertOne(task("q").retry(RetryPolicy.of(attempts, Duration.ofMillis(1), Duration.ofMillis(1))).build());
    TaskId id = null;
    for (int i = 1; i <= attempts; i++) {
      Task running = awaitClaim("q");
      id = running.id();
      assertThat(complete(running, new Completion.Retry(Duration.ZERO, "failure " + i)).stale()).isEmpty();
    }

    List<AttemptError> errors = store.errors(id);
    assertThat(errors).hasSize(AttemptError.KEPT_PER_TASK);
    assertThat(errors.getFirst().attempt()).isEqualTo(attempts - AttemptError.KEPT_PER_TASK + 1);
    assertThat(errors.getLast().error()).isEqualTo("failure " + attempts);
  }

  @Test
  void successReleaseAndStaleCompletionsWriteNoError() {
    Task done = succeededTask("q");
    insertOne(task("q").build());
    Task released = claimOnly("q");
    assertThat(complete(released, new Completion.Release(Duration.ZERO)).stale()).isEmpty();
    Task running = claimOnly("q");
    assertThat(store.completeMany(new CompleteRequest(List.of(
        new Completion(running.id(), "not-the-token", new Completion.Retry(Duration.ZERO, "stale")),
        new Completion(running.id(), "not-the-token", new Completion.Dead("stale"))))).stale())
        .containsOnly(running.id());

    assertThat(store.errors(done.id())).isEmpty();
    assertThat(store.errors(running.id())).isEmpty();
    assertThat(store.errors(TaskId.of("nobody"))).isEmpty();
  }

  @Test
  void oneCompletionGivenTwiceRecordsOneError() {
    Task running = insertAndClaim("q");
    Completion retry = new Completion(running.id(), running.lease().token(), new Completion.Retry(FAR_AWAY, "once"));
    store.completeMany(new CompleteRequest(List.of(retry, retry)));

    assertThat(store.errors(running.id())).extracting(AttemptError::error).containsExactly("once");
  }

  @Test
  void errorHistoryOutlivesReplayAndGoesWithPurgeAndPrune() {
    Task dead = deadTasks("q", 1).getFirst();
    assertThat(store.replayDead(DeadFilter.of(dead.id()))).isEqualTo(1);
    Task again = claimOnly("q");
    assertThat(complete(again, new Completion.Dead("still broken")).stale()).isEmpty();
    assertThat(store.errors(dead.id())).extracting(AttemptError::error)
        .containsExactly("fatal: " + dead.id(), "still broken");
    assertThat(store.errors(dead.id())).extracting(AttemptError::attempt).containsExactly(1, 1);

    Task other = deadTasks("other", 1).getFirst();
    assertThat(store.purgeDead(DeadFilter.of(dead.id()))).isEqualTo(1);
    assertThat(store.errors(dead.id())).isEmpty();
    assertThat(store.errors(other.id())).hasSize(1);

    Task retried = insertAndClaim("r");
    assertThat(complete(retried, new Completion.Retry(Duration.ZERO, "once")).stale()).isEmpty();
    Task succeeded = awaitClaim("r");
    assertThat(complete(succeeded, succeeded()).stale()).isEmpty();
    assertThat(store.errors(retried.id())).hasSize(1);
    Instant after = get(retried.id()).finishedAt().plusSeconds(1);
    assertThat(store.prune(new PruneRequest(after, 100))).isEqualTo(1);
    assertThat(store.errors(retried.id())).isEmpty();
  }

  @Test
  void expiredLeaseOnTheFinalAttemptIsInTheErrorHistory() {
    insertOne(task("q").retry(RetryPolicy.of(1, Duration.ofSeconds(1), Duration.ofSeconds(1))).build());
    Task first = claim("q", 1, SHORT_LEASE).getFirst();
    assertThat(awaitSwept(first).state()).isEqualTo(TaskState.DEAD);

    assertThat(store.errors(first.id())).singleElement().satisfies(e -> {
      assertThat(e.attempt()).isEqualTo(1);
      assertThat(e.workerId()).isEqualTo("worker-1");
      assertThat(e.error()).isEqualTo(get(first.id()).lastError()).contains("lease expired");
    });
  }

  private Task insertAndClaim(String queue) {
    insertOne(task(queue).build());
    return claimOnly(queue);
  }

  @Test
  void listFiltersByCreationTimeWhateverTheIds() {
    // Ids of the client's choosing sort anywhere: the window is on createdAt, not on the id's order.
    Task early = insertOne(task("q").id("zzz-early").build());
    Task middle = awaitCreatedAfter(early, task("q").build());
    Task middleToo = insertOne(task("q").id("000-middle").build());
    Task late = awaitCreatedAfter(middleToo, task("q").build());
    assertThat(middleToo.createdAt()).isBefore(late.createdAt());

    TaskQuery all = TaskQuery.all(100);
    assertThat(listIds(all.createdBetween(middle.createdAt(), late.createdAt())))
        .containsExactlyInAnyOrder(middle.id(), middleToo.id());
    assertThat(listIds(all.createdBetween(null, middle.createdAt()))).containsExactly(early.id());
    assertThat(listIds(all.createdBetween(late.createdAt(), null))).containsExactly(late.id());
    assertThat(listIds(all.createdBetween(early.createdAt(), null)))
        .containsExactly(early.id(), late.id(), middle.id(), middleToo.id());
    assertThat(listIds(new TaskQuery("other", null, null, 100, null).createdBetween(early.createdAt(), null))).isEmpty();
    TaskPage first = store.list(new TaskQuery(null, null, null, 1, null).createdBetween(early.createdAt(), late.createdAt()));
    assertThat(first.tasks()).extracting(Task::id).containsExactly(early.id());
    assertThat(allPages(new TaskQuery(null, null, null, 1, null).createdBetween(early.createdAt(), late.createdAt())))
        .containsExactly(early.id(), middle.id(), middleToo.id());
  }

  /** Inserts {@code next} once the store's clock has moved past {@code previous}'s creation. */
  private Task awaitCreatedAfter(Task previous, NewTask next) {
    await().pollDelay(Duration.ofMillis(5)).atMost(PATIENCE).until(() -> true);
    Task t = insertOne(next);
    assertThat(t.createdAt()).isAfter(previous.createdAt());
    return t;
  }

  /** Every id {@code query} matches, following next to the end. */
  private List<TaskId> allPages(TaskQuery query) {
    return allPages(query, new ArrayList<>());
  }

  /** Every id {@code query} matches, following next to the end; adds each page's size to {@code sizes}. */
  private List<TaskId> allPages(TaskQuery query, List<Integer> sizes) {
    List<TaskId> ids = new ArrayList<>();
    TaskQuery q = query;
    while (true) {
      TaskPage page = store.list(q);
      sizes.add(page.tasks().size());
      page.tasks().forEach(t -> ids.add(t.id()));
      if (page.next() == null) {
        return ids;
      }
      q = q.from(page.next());
    }
  }

  @Test
  void boundedPagesStillReachEveryMatchInOrder() {
    TaskStore bounded = newStoreReadingAtMost(4);
    assumeThat(bounded).as("store bounds the rows a page reads").isNotNull();
    store.close();
    store = bounded;
    List<TaskId> rare = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      Task t = insertOne(task(i % 7 == 0 ? "rare" : "bulk").build());
      if (i % 7 == 0) {
        rare.add(t.id());
      }
    }
    List<Integer> sizes = new ArrayList<>();
    assertThat(allPages(new TaskQuery("rare", null, null, 3, null), sizes)).containsExactlyElementsOf(rare.reversed());
    assertThat(sizes).as("no page reads more than 4 tasks, so some come back short").contains(0).allMatch(n -> n <= 3);
    // More READY tasks than a page may read: the search walks the table as above.
    assertThat(allPages(new TaskQuery("rare", TaskState.READY, null, 3, null), new ArrayList<>()))
        .containsExactlyElementsOf(rare.reversed());
    // Few DEAD tasks: the search reads them from their own index, in full pages.
    List<TaskId> dead = deadTasks("dlq", 3).stream().map(Task::id).sorted(Collections.reverseOrder()).toList();
    List<Integer> deadSizes = new ArrayList<>();
    assertThat(allPages(new TaskQuery(null, TaskState.DEAD, null, 2, null), deadSizes)).containsExactlyElementsOf(dead);
    assertThat(deadSizes).containsExactly(2, 1);
    assertThat(StoreInvariants.listAll(store)).hasSize(33);
  }

  @Test
  void queuesReportTheRunAtOfTheOldestTaskThatMayRunNow() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    insert(task("q").priority(9).runAt(now.minusSeconds(60)).build(),
        task("q").priority(0).runAt(now.minusSeconds(600)).build(),
        task("q").priority(5).runAt(now.minusSeconds(300)).build(),
        task("q").priority(3).delay(FAR_AWAY).build());
    insertOne(task("later").delay(FAR_AWAY).build());
    Task due = insertOne(task("due").delay(SHORT_DELAY).build());

    assertThat(queue("q").oldestReadyAt()).isEqualTo(now.minusSeconds(600));
    assertThat(queue("q").oldestReadyAge(now)).isEqualTo(Duration.ofSeconds(600));
    assertThat(queue("later").oldestReadyAt()).isNull();
    assertThat(queue("later").oldestReadyAge(now)).isZero();
    await().atMost(PATIENCE).until(() -> queue("due").oldestReadyAt() != null);
    assertThat(queue("due").oldestReadyAt()).as("a delayed task that came due, claimed or not").isEqualTo(due.runAt());

    assertThat(claim("q", 2)).extracting(Task::priority).containsExactly(9, 5);
    assertThat(queue("q").oldestReadyAt()).isEqualTo(now.minusSeconds(600));
    assertThat(claim("q", 1)).extracting(Task::priority).containsExactly(0);
    assertThat(queue("q").oldestReadyAt()).as("running tasks do not wait").isNull();
    assertThat(queue("q").isExact(TaskState.SUCCEEDED)).isTrue();
  }

  private QueueInfo queue(String name) {
    return store.queues().stream().filter(q -> q.queue().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("queues() does not list " + name));
  }

  // ---------------------------------------------------------------- flow limits

  @Test
  void concurrencyCapBoundsEachClaimByTheLiveRunningTasks() {
    for (int i = 0; i < 5; i++) {
      insertOne(task("capped").build());
    }
    limits().limitQueue(new QueueLimitsRequest("capped", QueueLimits.concurrency(3)));

    List<Task> first = claim("capped", 10);
    assertThat(first).hasSize(3);
    assertThat(claim("capped", 10)).as("the cap is reached").isEmpty();
    assertThat(complete(first.getFirst(), succeeded()).stale()).isEmpty();
    assertThat(claim("capped", 10)).as("one slot freed").hasSize(1);
    assertThat(claim("capped", 10)).isEmpty();
  }

  @Test
  void taskWhoseLeaseRanOutNoLongerCountsAgainstTheCap() {
    insertOne(task("capped").build());
    insertOne(task("capped").build());
    limits().limitQueue(new QueueLimitsRequest("capped", QueueLimits.concurrency(1)));
    assertThat(claim("capped", 10, SHORT_LEASE)).hasSize(1);
    assertThat(claim("capped", 10)).isEmpty();
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> claim("capped", 10).size() == 1);
  }

  @Test
  void concurrencyCapIsNeverExceededByConcurrentClaimers() throws Exception {
    int total = 300;
    int cap = 5;
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      tasks.add(task("capped").build());
    }
    store.insertMany(new InsertRequest(tasks));
    limits().limitQueue(new QueueLimitsRequest("capped", QueueLimits.concurrency(cap)));
    // Raised after a claim returns and lowered before the completion is sent, so it never counts more
    // than the store holds RUNNING: if it passes the cap, the store did.
    AtomicInteger held = new AtomicInteger();
    AtomicInteger maxHeld = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    int claimers = 6;
    ExecutorService pool = Executors.newFixedThreadPool(claimers);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int c = 0; c < claimers; c++) {
        String worker = "worker-" + c;
        futures.add(pool.submit(() -> {
          start.await();
          while (done.get() < total) {
            List<Task> claimed = store.claim(new ClaimRequest("capped", 4, LONG_LEASE, worker)).tasks();
            if (claimed.isEmpty()) {
              IdleWait.on(store).await(new WaitRequest(Set.of("capped"), Duration.ofMillis(20)));
              continue;
            }
            maxHeld.accumulateAndGet(held.addAndGet(claimed.size()), Math::max);
            for (Task t : claimed) {
              held.decrementAndGet();
              assertThat(complete(t, succeeded()).stale()).isEmpty();
              done.incrementAndGet();
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> future : futures) {
        future.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(done.get()).isEqualTo(total);
    assertThat(maxHeld.get()).isBetween(1, cap);
  }

  @Test
  void rateLimitHandsOutAtMostRateTimesElapsedPlusBurst() throws Exception {
    double rate = 40;
    int burst = 5;
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      tasks.add(task("metered").build());
    }
    store.insertMany(new InsertRequest(tasks));
    long start = System.nanoTime();
    limits().limitQueue(new QueueLimitsRequest("metered", QueueLimits.rate(rate, burst)));
    Duration run = Duration.ofSeconds(2);
    AtomicInteger claimedTotal = new AtomicInteger();
    ConcurrentLinkedQueue<String> breaches = new ConcurrentLinkedQueue<>();
    int claimers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(claimers);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int c = 0; c < claimers; c++) {
        String worker = "worker-" + c;
        futures.add(pool.submit(() -> {
          while (System.nanoTime() - start < run.toNanos()) {
            List<Task> claimed = store.claim(new ClaimRequest("metered", 3, LONG_LEASE, worker)).tasks();
            // Read after the claim returned, so the allowance is generous to the store, never strict.
            int sofar = claimedTotal.addAndGet(claimed.size());
            double allowed = rate * (System.nanoTime() - start) / 1e9 + burst;
            if (sofar > allowed) {
              breaches.add(sofar + " claimed by " + (System.nanoTime() - start) / 1_000_000 + " ms, allowed " + allowed);
            }
            if (claimed.isEmpty()) {
              IdleWait.on(store).await(new WaitRequest(Set.of("metered"), Duration.ofMillis(20)));
            }
          }
          return null;
        }));
      }
      for (Future<?> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(breaches).isEmpty();
    assertThat(claimedTotal.get()).isLessThanOrEqualTo((int) (rate * seconds) + burst)
        .as("the bucket refills: well over half the rate is reached").isGreaterThan((int) (rate * seconds / 2));
  }

  /**
   * The store's claim statement spends its bucket as {@link TokenBucket} specifies, on seeded random
   * claims (sizes, pauses, rate and burst). The store's clock is read at some moment inside each call,
   * so the model is run twice: with every interval as long as the calls allow (the most tokens the store
   * can have had) and as short (the least). Each claim must return no more than the first allows and
   * at least what the second allows, within the clock's millisecond.
   */
  @Test
  void rateLimitedClaimsFollowTheTokenBucketModelOnSeededRandomClaims() {
    long seed = System.nanoTime();
    System.out.println("rateLimitedClaimsFollowTheTokenBucketModelOnSeededRandomClaims seed=" + seed);
    Random random = new Random(seed);
    QueueLimits limits = QueueLimits.rate(5 + random.nextInt(60), 1 + random.nextInt(8));
    double slack = limits.ratePerSecond() * 0.002 + 1e-6;
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      tasks.add(task("metered").build());
    }
    store.insertMany(new InsertRequest(tasks));

    Instant before = nanoInstant();
    limits().limitQueue(new QueueLimitsRequest("metered", limits));
    Instant after = nanoInstant();
    TokenBucket most = TokenBucket.full(limits, before);
    TokenBucket least = TokenBucket.full(limits, after);
    List<String> breaches = new ArrayList<>();
    for (int k = 0; k < 30; k++) {
      if (random.nextInt(3) == 0) {
        Duration pause = Duration.ofMillis(random.nextInt(400));
        await().pollDelay(pause).atMost(pause.plusSeconds(5)).until(() -> true);
      }
      int asked = 1 + random.nextInt(2 * (int) limits.burst() + 2);
      Instant called = nanoInstant();
      int got = claim("metered", asked).size();
      Instant returned = nanoInstant();
      most = most.refilled(limits, returned);
      least = least.refilled(limits, called);
      long atMost = Math.min(asked, new TokenBucket(most.tokens() + slack, returned).whole());
      long atLeast = Math.min(asked, new TokenBucket(least.tokens() - slack, called).whole());
      if (got > atMost || got < atLeast) {
        breaches.add("claim " + k + " of " + asked + " got " + got + ", the model allows " + atLeast + ".." + atMost);
      }
      // The next interval is longest from this call's start, shortest from its end.
      most = most.spend(got).asOf(called);
      least = least.spend(got).asOf(returned);
    }
    assertThat(breaches).as("%s, seed %d", limits, seed).isEmpty();
  }

  /** Now, to the nanosecond the JVM measures; only differences between these are meaningful. */
  private static Instant nanoInstant() {
    return Instant.EPOCH.plusNanos(System.nanoTime());
  }

  @Test
  void limitsAreShownInQueuesAndCanBeCleared() {
    for (int i = 0; i < 6; i++) {
      insertOne(task("q").build());
    }
    QueueLimits limits = QueueLimits.concurrency(2).withRate(100, 50);
    limits().limitQueue(new QueueLimitsRequest("q", limits));
    limits().limitQueue(new QueueLimitsRequest("empty", QueueLimits.rate(1.5, 3)));
    Map<String, QueueInfo> queues = store.queues().stream().collect(Collectors.toMap(QueueInfo::queue, q -> q));
    assertThat(queues.get("q").limits()).isEqualTo(limits);
    assertThat(queues.get("empty").limits()).as("a limited queue is listed without tasks")
        .isEqualTo(QueueLimits.rate(1.5, 3));
    assertThat(claim("q", 10)).hasSize(2);

    limits().limitQueue(new QueueLimitsRequest("q", QueueLimits.NONE));
    assertThat(claim("q", 10)).hasSize(4);
    assertThat(store.queues()).filteredOn(q -> q.queue().equals("q")).singleElement()
        .satisfies(q -> assertThat(q.limits()).isEqualTo(QueueLimits.NONE));
  }

  @Test
  void emptyRateLimitedBucketYieldsNothingUntilItRefills() {
    for (int i = 0; i < 5; i++) {
      insertOne(task("slow").build());
    }
    limits().limitQueue(new QueueLimitsRequest("slow", QueueLimits.rate(2, 2)));
    assertThat(claim("slow", 10)).as("a new bucket is full").hasSize(2);
    assertThat(claim("slow", 10)).as("and then empty").isEmpty();
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> claim("slow", 10).size() == 1);
  }

  // ---------------------------------------------------------------- prune

  @Test
  void pruneDeletesSucceededAndCancelledTasksFinishedBeforeTheCutoff() {
    List<Task> old = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      old.add(succeededTask("q"));
    }
    Task cancelled = insertOne(task("q").build());
    old.add(store.cancel(new CancelRequest(cancelled.id())).task());
    Task dead = deadTasks("q", 1).getFirst();
    Task ready = insertOne(task("q").build());
    Task scheduled = insertOne(task("q").delay(FAR_AWAY).build());
    Instant lastOld = old.stream().map(Task::finishedAt).max(Instant::compareTo).orElseThrow();
    // Let the store's clock move on, so the cutoff task finishes strictly later than the old ones.
    await().pollDelay(Duration.ofMillis(20)).atMost(PATIENCE).until(() -> true);
    Task cutoffTask = succeededTask("later");
    Instant cutoff = cutoffTask.finishedAt();
    assertThat(cutoff).isAfter(lastOld);

    assertThat(store.prune(new PruneRequest(cutoff, 2))).as("the limit holds").isEqualTo(2);
    assertThat(store.prune(new PruneRequest(cutoff, 100))).isEqualTo(2);
    assertThat(store.prune(new PruneRequest(cutoff, 100))).isZero();

    assertThat(old).allSatisfy(t -> assertThat(store.get(t.id())).isEmpty());
    assertThat(List.of(dead, ready, scheduled, cutoffTask))
        .allSatisfy(t -> assertThat(store.get(t.id())).isPresent());
  }

  // ---------------------------------------------------------------- waiting for work

  @Test
  void awaitWorkWakesPromptlyWhenAnotherThreadInserts() throws Exception {
    WakeUpStore wakeUp = wakeUp();
    AtomicReference<Task> claimed = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    WaitRequest wait = new WaitRequest(Set.of("q", "other"), Duration.ofSeconds(5));
    Thread worker = Thread.ofPlatform().start(() -> {
      try {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (claimed.get() == null && System.nanoTime() < deadline) {
          wakeUp.awaitWork(wait);
          List<Task> tasks = claim("q", 1);
          if (!tasks.isEmpty()) {
            claimed.set(tasks.getFirst());
          }
        }
      } catch (Throwable e) {
        failure.set(e);
      }
    });
    // Let the worker settle into its wait. A store that waits in a socket read looks RUNNABLE, so the
    // thread state is only a hint; the assertions below hold whether or not the worker had parked.
    try {
      await().atMost(Duration.ofMillis(500)).until(() -> worker.getState() == Thread.State.TIMED_WAITING
          || worker.getState() == Thread.State.WAITING);
    } catch (ConditionTimeoutException e) {
      // Not parked in a way Java can see; insert anyway.
    }

    long insertedAt = System.nanoTime();
    Task task = insertOne(task("q").build());
    worker.join(PATIENCE.toMillis());
    long wokeAfter = System.nanoTime() - insertedAt;

    assertThat(failure.get()).isNull();
    assertThat(claimed.get()).isNotNull();
    assertThat(claimed.get().id()).isEqualTo(task.id());
    assertThat(Duration.ofNanos(wokeAfter)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void awaitWorkWakesWhenADelayedTaskComesDue() throws Exception {
    WakeUpStore wakeUp = wakeUp();
    Task task = insertOne(task("q").delay(SHORT_DELAY).build());
    long insertedAt = System.nanoTime();
    WaitRequest wait = new WaitRequest(Set.of("q"), Duration.ofSeconds(5));

    Task claimed = null;
    while (claimed == null && System.nanoTime() - insertedAt < PATIENCE.toNanos()) {
      wakeUp.awaitWork(wait);
      List<Task> tasks = claim("q", 1);
      claimed = tasks.isEmpty() ? null : tasks.getFirst();
    }

    assertThat(claimed).isNotNull();
    assertThat(claimed.id()).isEqualTo(task.id());
    assertThat(Duration.ofNanos(System.nanoTime() - insertedAt)).isLessThan(SHORT_DELAY.plusSeconds(1));
  }

  @Test
  void awaitWorkReturnsByMaxWaitWhenNothingHappens() throws Exception {
    insertOne(task("q").delay(FAR_AWAY).build());
    long start = System.nanoTime();

    wakeUp().awaitWork(new WaitRequest(Set.of("q"), Duration.ofMillis(300)));

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(claim("q", 10)).isEmpty();
  }

  @Test
  void pingAnswersWhileTheStoreIsOpen() {
    store.ping();
  }
}
