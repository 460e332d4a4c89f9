package dev.errand.store.postgres;

import static dev.errand.store.postgres.NewTasks.newQueue;
import static dev.errand.store.postgres.NewTasks.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Json;
import dev.errand.core.StoreUnavailableException;
import dev.errand.core.Task;
import dev.errand.core.TaskState;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.NewTask;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * Concurrent enqueues in the store's own transactions share statements and commits, and each caller
 * still gets exactly its own outcome: one task per idempotency key, every distinct task once, a key
 * conflict or a value the database refuses answered to the caller concerned only.
 */
class PostgresGroupInsertTest {
  private static TestSchema db;
  private static String schema;
  private static PostgresStore store;

  @BeforeAll
  static void createStore() {
    db = TestSchema.create("group");
    schema = db.name();
    store = db.newStore();
  }

  @AfterAll
  static void dropSchema() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void concurrentEnqueuesWithOneIdempotencyKeyMakeOneTask() throws Exception {
    String queue = newQueue();
    int callers = 40;
    Map<Integer, InsertResult.Outcome> outcomes = runTogether(callers,
        i -> () -> store.insertMany(request(NewTasks.withKey(queue, "once"))).outcomes().getFirst());
    assertThat(outcomes.values()).filteredOn(InsertResult.Outcome::created).hasSize(1);
    Set<String> ids = new HashSet<>();
    outcomes.values().forEach(o -> ids.add(o.task().id().value()));
    assertThat(ids).as("every caller got the one task").hasSize(1);
    assertThat(count(queue)).isEqualTo(1);
  }

  @Test
  void concurrentDistinctEnqueuesAllLandOnce() throws Exception {
    String queue = newQueue();
    int callers = 50;
    int each = 40;
    Map<Integer, List<InsertResult.Outcome>> outcomes = runTogether(callers, i -> () -> {
      List<InsertResult.Outcome> mine = new ArrayList<>();
      for (int k = 0; k < each; k++) {
        NewTask t = NewTasks.ready(queue);
        InsertResult.Outcome o = store.insertMany(request(t)).outcomes().getFirst();
        assertThat(o.task().id()).isEqualTo(t.id());
        mine.add(o);
      }
      return mine;
    });
    assertThat(outcomes.values()).allSatisfy(list -> assertThat(list).allMatch(InsertResult.Outcome::created));
    assertThat(count(queue)).isEqualTo(callers * each);
  }

  @Test
  void groupAnswersEachCallerItsOwnOutcomeInOneCommit() throws Exception {
    String queue = newQueue();
    Task existing = store.insertMany(request(NewTasks.withKey(queue, "taken"))).outcomes().getFirst().task();
    NewTask differentUnderTakenKey = withPayload(NewTasks.withKey(queue, "taken"), "{\"other\":true}");
    NewTask sharedKeyFirst = NewTasks.withKey(queue, "shared");
    NewTask sharedKeySecond = NewTasks.withKey(queue, "shared");
    NewTask plainA = NewTasks.ready(queue);
    NewTask plainB = NewTasks.ready(queue);
    List<NewTask> group = List.of(sharedKeyFirst, differentUnderTakenKey, plainA, sharedKeySecond, plainB);

    Map<Integer, Object> answers = whileAnInsertIsInFlight(queue, group, Set.of());

    assertThat(outcome(answers, 0).created()).isTrue();
    assertThat(outcome(answers, 1).created()).as("the key was taken").isFalse();
    assertThat(outcome(answers, 1).task()).isEqualTo(existing);
    assertThat(outcome(answers, 2).created()).isTrue();
    assertThat(outcome(answers, 3).created()).as("an earlier caller of the group took the key").isFalse();
    assertThat(outcome(answers, 3).task().id()).isEqualTo(sharedKeyFirst.id());
    assertThat(outcome(answers, 4).created()).isTrue();
    assertThat(transactionsOf(List.of(sharedKeyFirst, plainA, plainB)))
        .as("the group's tasks were written by one transaction").isEqualTo(1);
    assertThat(count(queue)).isEqualTo(5); // existing, the blocker's, shared, plainA, plainB
  }

  @Test
  void valueTheDatabaseRefusesFailsOnlyTheCallerWhoSentIt() throws Exception {
    String queue = newQueue();
    NewTask refused = NewTasks.withKey(queue, "nul\u0000byte");
    List<NewTask> good = List.of(NewTasks.ready(queue), NewTasks.ready(queue), NewTasks.withKey(queue, "fine"));
    List<NewTask> group = new ArrayList<>(good);
    group.add(1, refused);

    Map<Integer, Object> answers = whileAnInsertIsInFlight(queue, group, Set.of());

    assertThat(answers.get(1)).isInstanceOf(StoreUnavailableException.class);
    assertThatThrownBy(() -> store.insertMany(request(refused))).as("what it gets alone")
        .isInstanceOf(StoreUnavailableException.class);
    for (int i : List.of(0, 2, 3)) {
      assertThat(outcome(answers, i).created()).isTrue();
      assertThat(outcome(answers, i).task().id()).isEqualTo(group.get(i).id());
    }
    assertThat(store.get(refused.id())).isEmpty();
    assertThat(count(queue)).isEqualTo(4); // the blocker's and the three good ones
  }

  /**
   * A task offered to an idle worker (InsertRequest#claimFor) is leased in its insert only when that
   * insert goes alone: one that arrives while another is in flight joins the group and is inserted
   * plainly, so a burst of single enqueues into an idle worker still shares statements and commits.
   */
  @Test
  void offeredTasksThatJoinAGroupAreInsertedPlainlyInItsCommit() throws Exception {
    String idle = newQueue();
    List<NewTask> group = List.of(NewTasks.ready(idle), NewTasks.ready(idle), NewTasks.ready(idle));
    Function<NewTask, InsertRequest> offered =
        t -> InsertRequest.claiming(t, new ClaimRequest(t.queue(), 1, Duration.ofSeconds(30), "idle-worker"));

    Map<Integer, Object> answers = whileAnInsertIsInFlight(newQueue(), group, Set.of(), offered);

    for (int i = 0; i < group.size(); i++) {
      assertThat(outcome(answers, i).created()).isTrue();
      assertThat(outcome(answers, i).task().state()).isEqualTo(TaskState.READY);
    }
    assertThat(transactionsOf(group)).isEqualTo(1);
    // Alone, into a queue with nothing ahead, the offer is taken.
    String alone = newQueue();
    assertThat(store.insertMany(offered.apply(NewTasks.ready(alone))).outcomes().getFirst().task().state())
        .isEqualTo(TaskState.RUNNING);
  }

  @Test
  void interruptingOneWaitingCallerFailsNoOneAndItStillGetsItsAnswer() throws Exception {
    String queue = newQueue();
    List<NewTask> group = List.of(NewTasks.ready(queue), NewTasks.ready(queue), NewTasks.ready(queue));

    // Interrupted while waiting: a virtual thread's socket closes when it is interrupted in I/O, so a
    // group that ran on that caller's thread would lose its connection for every caller.
    Map<Integer, Object> answers = whileAnInsertIsInFlight(queue, group, Set.of(0));

    for (int i = 0; i < group.size(); i++) {
      assertThat(outcome(answers, i).created()).isTrue();
    }
    assertThat(answers.get(-1)).as("the interrupt is kept for the caller").isEqualTo(true);
    assertThat(count(queue)).isEqualTo(4);
  }

  /**
   * Starts a lone insert that waits on a key an open transaction holds, queues one caller per task of
   * {@code group} behind it (virtual threads, as an application's), interrupts those at the positions
   * {@code interrupt} while they wait, lets the lone insert finish, and returns each caller's outcome or
   * exception by position (and at -1 whether the first interrupted caller was still interrupted after).
   * The callers are all waiting before the lone insert ends, so they go as one group.
   */
  private static Map<Integer, Object> whileAnInsertIsInFlight(String queue, List<NewTask> group,
      Set<Integer> interrupt) throws Exception {
    return whileAnInsertIsInFlight(queue, group, interrupt, NewTasks::request);
  }

  /** As above, each caller's request made by {@code requests} (one offered to an idle worker, say). */
  private static Map<Integer, Object> whileAnInsertIsInFlight(String queue, List<NewTask> group,
      Set<Integer> interrupt, Function<NewTask, InsertRequest> requests) throws Exception {
    Map<Integer, Object> answers = new ConcurrentHashMap<>();
    List<Thread> callers = new ArrayList<>();
    try (Connection holder = store.openTransaction()) {
      store.insertMany(holder, request(NewTasks.withKey(queue, "held")));
      int holderBackend = holder.unwrap(PGConnection.class).getBackendPID();
      Thread lone = Thread.ofPlatform().start(() -> store.insertMany(request(NewTasks.withKey(queue, "held"))));
      await().atMost(Duration.ofSeconds(10)).until(() -> blockedBy(holderBackend) == 1);
      for (int i = 0; i < group.size(); i++) {
        int position = i;
        NewTask task = group.get(i);
        callers.add(Thread.ofVirtual().start(() -> {
          try {
            answers.put(position, store.insertMany(requests.apply(task)).outcomes().getFirst());
          } catch (RuntimeException e) {
            answers.put(position, e);
          }
          if (interrupt.contains(position)) {
            answers.putIfAbsent(-1, Thread.currentThread().isInterrupted());
          }
        }));
        // In order, so the group holds them in this order.
        await().atMost(Duration.ofSeconds(10)).until(() -> callers.getLast().getState() == Thread.State.WAITING);
      }
      for (int i : interrupt) {
        callers.get(i).interrupt();
      }
      holder.commit();
      lone.join(Duration.ofSeconds(30));
    }
    for (Thread t : callers) {
      t.join(Duration.ofSeconds(30));
    }
    assertThat(answers).hasSize(group.size() + (interrupt.isEmpty() ? 0 : 1));
    return answers;
  }

  private static InsertResult.Outcome outcome(Map<Integer, Object> answers, int position) {
    assertThat(answers.get(position)).isInstanceOf(InsertResult.Outcome.class);
    return (InsertResult.Outcome) answers.get(position);
  }

  private static NewTask withPayload(NewTask t, String json) {
    return new NewTask(t.id(), t.queue(), t.type(), Json.parse(json), t.priority(), t.runAt(), t.delay(), t.retry(),
        t.timeout(), t.idempotencyKey());
  }

  /** Runs {@code callers} tasks released at once; returns each one's result by index. */
  private static <T> Map<Integer, T> runTogether(int callers, java.util.function.IntFunction<Supplier<T>> work)
      throws Exception {
    Map<Integer, T> results = new ConcurrentHashMap<>();
    Map<Integer, Throwable> failures = new ConcurrentHashMap<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      int index = i;
      Supplier<T> body = work.apply(i);
      threads.add(Thread.ofVirtual().start(() -> {
        try {
          go.await();
          results.put(index, body.get());
        } catch (Throwable t) {
          failures.put(index, t);
        }
      }));
    }
    go.countDown();
    for (Thread t : threads) {
      t.join(Duration.ofSeconds(60));
    }
    assertThat(failures).isEmpty();
    assertThat(results).hasSize(callers);
    return results;
  }

  private static long count(String queue) throws Exception {
    try (Connection c = TestDatabase.connect();
        PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + schema + ".tasks WHERE queue = ?")) {
      ps.setString(1, queue);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** How many transactions wrote these tasks' rows. */
  private static long transactionsOf(List<NewTask> tasks) throws Exception {
    try (Connection c = TestDatabase.connect(); PreparedStatement ps = c.prepareStatement(
        "SELECT count(DISTINCT xmin::text) FROM " + schema + ".tasks WHERE id = ANY(?)")) {
      ps.setArray(1, c.createArrayOf("text", tasks.stream().map(t -> t.id().value()).toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** How many backends wait for a lock that {@code backend} holds. */
  private static long blockedBy(int backend) throws Exception {
    try (Connection c = TestDatabase.connect(); PreparedStatement ps = c.prepareStatement(
        "SELECT count(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))")) {
      ps.setInt(1, backend);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
