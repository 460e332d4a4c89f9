package dev.errand.store.postgres;

import static dev.errand.store.postgres.NewTasks.LEASE;
import static dev.errand.store.postgres.NewTasks.newQueue;
import static dev.errand.store.postgres.NewTasks.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Task;
import dev.errand.core.TaskState;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.WaitRequest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** LISTEN/NOTIFY wake-ups between store instances, with polling and due times as the fallbacks. */
class PostgresWakeUpTest {
  private static final Duration LONG_WAIT = Duration.ofSeconds(20);
  private static TestSchema db;
  private static String schema;
  private static PostgresStore waiter;
  private static PostgresStore producer;

  @BeforeAll
  static void createStores() {
    db = TestSchema.create("wake");
    schema = db.name();
    waiter = db.newStore();
    producer = db.newStore();
  }

  @AfterAll
  static void dropSchema() {
    if (db != null) {
      db.close();
    }
  }

  /** The worker loop in miniature: claim, and wait only when the claim came back empty. */
  private static Thread startWaiter(String queue, AtomicLong returnedAt) {
    return Thread.ofPlatform().start(() -> {
      try {
        assertThat(waiter.claim(new ClaimRequest(queue, 1, LEASE, "w")).tasks()).isEmpty();
        waiter.awaitWork(new WaitRequest(Set.of(queue), LONG_WAIT));
        returnedAt.set(System.nanoTime());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  private static long wakeUpMillis(String queue) throws Exception {
    AtomicLong returnedAt = new AtomicLong();
    Thread t = startWaiter(queue, returnedAt);
    await().atMost(Duration.ofSeconds(10)).until(() -> t.getState() == Thread.State.TIMED_WAITING);
    long calledAt = System.nanoTime();
    producer.insertMany(request(NewTasks.ready(queue)));
    long committedAt = System.nanoTime();
    t.join(LONG_WAIT.toMillis());
    assertThat(returnedAt.get()).as("waiter returned").isNotZero();
    System.out.printf("insert took %d ms, waiter returned %d ms after the insert returned%n",
        Duration.ofNanos(committedAt - calledAt).toMillis(), Duration.ofNanos(returnedAt.get() - committedAt).toMillis());
    return Duration.ofNanos(returnedAt.get() - committedAt).toMillis();
  }

  @Test
  void waiterWakesWithin100MillisecondsOfAnInsertFromAnotherStore() throws Exception {
    waiter.awaitWork(new WaitRequest(Set.of(newQueue()), Duration.ofMillis(500))); // connects the listener
    List<Long> millis = new ArrayList<>();
    for (int round = 0; round < 7; round++) {
      millis.add(wakeUpMillis(newQueue()));
    }
    long median = millis.stream().sorted().toList().get(millis.size() / 2);
    System.out.println("wake-up latencies (ms, from the insert's commit to the waiter's return): " + millis
        + ", median " + median);
    // Typically a millisecond. The median carries the 100 ms promise; a single round may lose the CPU
    // on a loaded machine, but even then it must end far below the 20 s wait, so a notification woke it.
    assertThat(median).isLessThan(100);
    assertThat(millis).allSatisfy(ms -> assertThat(ms).isLessThan(1000));
  }

  @Test
  void waitEndsWhenDelayedWorkComesDue() throws Exception {
    String queue = newQueue();
    NewTask delayed = NewTasks.delayed(queue, Duration.ofMillis(700));
    long start = System.nanoTime();
    producer.insertMany(request(delayed));
    List<Task> claimed = List.of();
    int waits = 0;
    while (claimed.isEmpty() && System.nanoTime() - start < LONG_WAIT.toNanos()) {
      claimed = waiter.claim(new ClaimRequest(queue, 1, LEASE, "w")).tasks();
      if (claimed.isEmpty()) {
        waiter.awaitWork(new WaitRequest(Set.of(queue), LONG_WAIT));
        waits++;
      }
    }
    long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
    System.out.println("delayed task claimed after " + elapsed + " ms and " + waits + " waits");
    assertThat(claimed).extracting(Task::id).containsExactly(delayed.id());
    assertThat(elapsed).isBetween(600L, 3000L);
    assertThat(waits).isLessThan(10);
  }

  @Test
  void withoutWorkTheWaitLastsMaxWait() throws Exception {
    long start = System.nanoTime();
    waiter.awaitWork(new WaitRequest(Set.of(newQueue()), Duration.ofMillis(300)));
    assertThat(Duration.ofNanos(System.nanoTime() - start).toMillis()).isBetween(250L, 3000L);
  }

  @Test
  void closingTheStoreReleasesItsWaiters() throws Exception {
    PostgresStore closing = db.newStore();
    AtomicLong returnedAt = new AtomicLong();
    Thread t = Thread.ofPlatform().start(() -> {
      try {
        closing.awaitWork(new WaitRequest(Set.of(newQueue()), LONG_WAIT));
        returnedAt.set(System.nanoTime());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> t.getState() == Thread.State.TIMED_WAITING);
    long closedAt = System.nanoTime();
    closing.close();
    t.join(LONG_WAIT.toMillis());
    assertThat(Duration.ofNanos(returnedAt.get() - closedAt)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void oneNotificationPerQueuePerBatchAndNoneOnRollback() throws Exception {
    String a = newQueue();
    String b = newQueue();
    try (Connection listen = TestDatabase.connect(); Statement s = listen.createStatement()) {
      s.execute("LISTEN " + schema + "_work");
      List<NewTask> tasks = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        tasks.add(NewTasks.ready(i % 2 == 0 ? a : b));
      }
      try (Connection tx = producer.openTransaction()) {
        producer.insertMany(tx, request(NewTasks.ready(newQueue())));
        tx.rollback();
      }
      producer.insertMany(new InsertRequest(tasks));
      List<String> payloads = drain(listen.unwrap(PGConnection.class));
      assertThat(payloads).containsExactlyInAnyOrder(a, b);
    }
  }

  @Test
  void aTaskLeasedAtItsInsertSendsNoNotification() throws Exception {
    // Its worker already has it: other nodes' waiters have nothing to claim.
    String q = newQueue();
    try (Connection listen = TestDatabase.connect(); Statement s = listen.createStatement()) {
      s.execute("LISTEN " + schema + "_work");
      Task leased = producer.insertMany(InsertRequest.claiming(NewTasks.ready(q),
          new ClaimRequest(q, 1, LEASE, "worker-1"))).outcomes().getFirst().task();
      assertThat(leased.state()).isEqualTo(TaskState.RUNNING);
      assertThat(drain(listen.unwrap(PGConnection.class))).doesNotContain(q);

      producer.insertMany(request(NewTasks.ready(q)));
      assertThat(drain(listen.unwrap(PGConnection.class))).as("a task left READY does notify").containsExactly(q);
    }
  }

  /** Notifications until none arrives for 300 ms. */
  private static List<String> drain(PGConnection pg) throws Exception {
    List<String> payloads = new ArrayList<>();
    while (true) {
      PGNotification[] got = pg.getNotifications(300);
      if (got == null || got.length == 0) {
        return payloads;
      }
      for (PGNotification n : got) {
        payloads.add(n.getParameter());
      }
    }
  }

  @Test
  void listenerReconnectsAfterItsConnectionIsKilled() throws Exception {
    waiter.awaitWork(new WaitRequest(Set.of(newQueue()), Duration.ofMillis(500)));
    AtomicReference<Integer> killed = new AtomicReference<>();
    try (Connection c = TestDatabase.connect(); PreparedStatement ps = c.prepareStatement(
        "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity"
            + " WHERE application_name = 'errand-listen' AND query = ?")) {
      ps.setString(1, "LISTEN " + schema + "_work");
      try (ResultSet rs = ps.executeQuery()) {
        int n = 0;
        while (rs.next()) {
          n++;
        }
        killed.set(n);
      }
    }
    assertThat(killed.get()).as("listener backends terminated").isGreaterThanOrEqualTo(1);
    // The reconnect takes a backoff; a waiter that started meanwhile polls, later ones are woken again.
    // Without a listener a waiter sleeps its whole LONG_WAIT (20 s): a bound far below that proves the
    // reconnect without timing the wake-up itself (the tests above do), which a loaded machine stretches.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(
        () -> assertThat(wakeUpMillis(newQueue())).isLessThan(1_000));
  }
}
