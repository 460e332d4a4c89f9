package dev.errand.store.sqlite;

import dev.errand.core.testkit.MutableClock;
import static dev.errand.core.testkit.NewTasks.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.core.StoreUnavailableException;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.SqlStatements;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.WaitRequest;
import dev.errand.core.testkit.StoreInvariants;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the SQLite store promises beyond the shared contract: its files, its clock, its plans. */
class SqliteStoreTest {
  @TempDir
  Path directory;

  @Test
  void openingTheSameDirectoryTwiceInOneProcessFailsClearly() {
    try (SqliteStore store = SqliteStore.open(directory)) {
      assertThatThrownBy(() -> SqliteStore.open(directory))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("is already open in this process");
      store.ping();
    }
  }

  @Test
  void closeReleasesTheDirectoryAndKeepsTheTasks() {
    Task inserted;
    try (SqliteStore store = SqliteStore.open(directory)) {
      inserted = store.insertMany(new InsertRequest(List.of(task("q").build()))).outcomes().getFirst().task();
    }

    try (SqliteStore store = SqliteStore.open(directory)) {
      assertThat(store.get(inserted.id())).contains(inserted);
    }
  }

  @Test
  void callsAfterCloseAreRefusedAsUnavailable() {
    SqliteStore store = SqliteStore.open(directory);
    store.close();
    store.close();

    assertThatThrownBy(() -> store.insertMany(new InsertRequest(List.of(task("q").build()))))
        .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> store.get(TaskId.of("x"))).isInstanceOf(StoreUnavailableException.class);
    assertThatThrownBy(store::ping).isInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void closeWakesWaitersAtOnce() throws Exception {
    SqliteStore store = SqliteStore.open(directory);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread waiter = Thread.ofPlatform().start(() -> {
      try {
        store.awaitWork(new WaitRequest(Set.of("q"), Duration.ofMinutes(5)));
      } catch (Throwable e) {
        failure.set(e);
      }
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> waiter.getState() == Thread.State.TIMED_WAITING);

    store.close();

    waiter.join(Duration.ofSeconds(10));
    assertThat(waiter.isAlive()).isFalse();
    assertThat(failure.get()).isNull();
  }

  @Test
  void awaitWorkWakesWhenASweepTakesALeaseBack() throws Exception {
    try (SqliteStore store = SqliteStore.open(directory)) {
      insert(store, task("q").build());
      Task first = claim(store, Duration.ofMillis(300)).getFirst();
      long start = System.nanoTime();
      Thread sweeper = Thread.ofVirtual().start(() -> await().atMost(Duration.ofSeconds(10))
          .until(() -> !store.sweepExpiredLeases(new SweepRequest(10)).swept().isEmpty()));

      Task again = null;
      while (again == null && System.nanoTime() - start < Duration.ofSeconds(10).toNanos()) {
        store.awaitWork(new WaitRequest(Set.of("q"), Duration.ofSeconds(5)));
        List<Task> claimed = claim(store, Duration.ofMinutes(1));
        again = claimed.isEmpty() ? null : claimed.getFirst();
      }

      assertThat(again).isNotNull();
      assertThat(again.id()).isEqualTo(first.id());
      assertThat(again.startedAt()).isAfterOrEqualTo(first.lease().until());
      // Woken by the sweep's commit, not by the 5 s maxWait.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      sweeper.join();
    }
  }

  @Test
  void leasesAndDelaysRunOnTheStoreClock() {
    MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    try (SqliteStore store = SqliteStore.builder(directory).clock(clock).build()) {
      Task now = insert(store, task("q").build());
      Task later = insert(store, task("q").delay(Duration.ofHours(1)).build());
      assertThat(now.createdAt()).isEqualTo(clock.instant());
      assertThat(later.runAt()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));

      Task first = claim(store, Duration.ofMinutes(1)).getFirst();
      assertThat(first.id()).isEqualTo(now.id());
      assertThat(first.lease().until()).isEqualTo(clock.instant().plus(Duration.ofMinutes(1)));
      assertThat(claim(store, Duration.ofMinutes(1))).isEmpty();

      clock.advance(Duration.ofMinutes(2));
      assertThat(store.sweepExpiredLeases(new SweepRequest(10)).swept()).hasSize(1);
      Task again = claim(store, Duration.ofMinutes(1)).getFirst();
      assertThat(again.id()).isEqualTo(now.id());
      assertThat(again.attempt()).isEqualTo(2);

      clock.advance(Duration.ofHours(1));
      assertThat(store.sweepExpiredLeases(new SweepRequest(10)).swept()).hasSize(1);
      assertThat(claim(store, Duration.ofHours(5))).extracting(Task::id).containsExactlyInAnyOrder(now.id(), later.id());
    }
  }

  @Test
  void claimsTakeOnlyDueTasksFromALargeBacklogOfDelayedOnes() {
    try (SqliteStore store = SqliteStore.open(directory)) {
      int backlog = 20_000;
      for (int b = 0; b < backlog / 1_000; b++) {
        List<NewTask> tasks = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
          tasks.add(task("q").delay(Duration.ofHours(1 + i)).build());
        }
        store.insertMany(new InsertRequest(tasks));
      }
      Set<TaskId> due = new HashSet<>();
      for (int i = 0; i < 10; i++) {
        due.add(insert(store, task("q").build()).id());
      }

      List<Task> claimed = claim(store, Duration.ofMinutes(1), 100);

      assertThat(claimed).extracting(Task::id).containsExactlyInAnyOrderElementsOf(due);
      assertThat(store.list(new TaskQuery("q", TaskState.SCHEDULED, null, 1, null)).tasks()).hasSize(1);
      assertThat(store.queues().getFirst().count(TaskState.SCHEDULED)).isEqualTo(backlog);
    }
  }

  @Test
  void manyConcurrentInsertersAllSucceedAndEveryTaskIsStored() throws Exception {
    try (SqliteStore store = SqliteStore.open(directory)) {
      int threads = 32;
      int insertsEach = 40;
      ConcurrentLinkedQueue<TaskId> acknowledged = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      List<Thread> inserters = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        // Virtual threads, as the worker runtime uses: they park while the writer commits their group.
        inserters.add(Thread.ofVirtual().start(() -> {
          try {
            for (int i = 0; i < insertsEach; i++) {
              InsertResult result = store.insertMany(new InsertRequest(List.of(task("q").build(), task("r").build())));
              result.outcomes().forEach(o -> acknowledged.add(o.task().id()));
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        }));
      }
      for (Thread inserter : inserters) {
        inserter.join();
      }

      assertThat(failures).isEmpty();
      assertThat(acknowledged).hasSize(threads * insertsEach * 2).doesNotHaveDuplicates();
      Set<TaskId> stored = new HashSet<>();
      StoreInvariants.listAll(store).forEach(t -> stored.add(t.id()));
      assertThat(stored).containsExactlyInAnyOrderElementsOf(acknowledged);
      StoreInvariants.check(store);
    }
  }

  /** The statements a busy store runs all the time, with the plan each must avoid. */
  private static final List<String> HOT_STATEMENTS = List.of(
      "task_insert", "task_get", "task_get_by_idempotency_key", "claim_promote_due", "lease_sweep_apply",
      "claim", "lease_extend", "complete_succeeded", "complete_retry", "complete_dead", "complete_release_ready",
      "complete_release_later", "task_cancel", "dead_replay_by_id", "dead_replay", "dead_purge_by_id",
      "dead_purge", "prune", "queue_outlook", "task_list", "queue_limits", "queue_running_live",
      "queue_spend_tokens", "task_error_record", "task_error_trim", "task_errors_delete",
      "prune_queues");

  /**
   * What the dashboard and the metrics read. Besides what HOT_STATEMENTS allow, each may scan the whole
   * partial index of a state that waits, runs or is dead (its size follows the backlog, never the
   * finished history), and nothing else.
   */
  private static final List<String> OPERATOR_READS = List.of(
      "queue_count_ready", "queue_count_waiting", "queue_count_running", "queue_count_dead", "queue_count_finished",
      "queue_oldest_ready", "task_list_scan_end", "task_list_ready", "task_list_waiting", "task_list_running",
      "task_list_dead", "task_errors", "lease_sweep_find", "due_queues", "due_front");

  private static final Pattern OPERATOR_FULL_SCAN = Pattern.compile(
      "\\bSCAN (tasks|queues|task_errors)\\b(?! USING (COVERING )?INDEX tasks_(ready|due|leased|dead)$)");

  /**
   * A scan of a table or of a whole index. The one scan allowed is of a dead-letter partial index
   * (tasks_dead, or tasks_dead_errors of migration 10): each holds only DEAD tasks, which is exactly what
   * a filtered replay or purge must read.
   */
  private static final Pattern FULL_SCAN =
      Pattern.compile("\\bSCAN (tasks|queues)\\b(?! USING INDEX tasks_dead(_errors)?$)");

  @Test
  void hotStatementsUseIndexesNeverAFullScanOrASort() throws Exception {
    for (String name : HOT_STATEMENTS) {
      assertThat(plan(name)).as("plan of %s", name).noneMatch(line -> FULL_SCAN.matcher(line).find())
          .noneMatch(line -> line.contains("TEMP B-TREE"));
    }
  }

  @Test
  void operatorReadsNeverScanTheTableOrTheFinishedTasks() throws Exception {
    for (String name : OPERATOR_READS) {
      assertThat(plan(name)).as("plan of %s", name).noneMatch(line -> OPERATOR_FULL_SCAN.matcher(line).find())
          .noneMatch(line -> line.contains("TEMP B-TREE"));
    }
    assertThat(plan("queue_count_finished")).anyMatch(line -> line.contains("COVERING INDEX tasks_finished"));
    assertThat(plan("queue_oldest_ready")).anyMatch(line -> line.contains("INDEX tasks_ready (queue=? AND priority=?)"))
        .anyMatch(line -> line.contains("INDEX tasks_due (queue=? AND run_at<?)"));
  }

  @Test
  void deadGroupsReadTheIndexOfDeadErrorLinesAlone() throws Exception {
    assertThat(plan("dead_groups")).as("plan of dead_groups")
        .anyMatch(line -> line.equals("SCAN tasks USING COVERING INDEX tasks_dead_errors"))
        .noneMatch(line -> line.matches(".*\\bSCAN tasks\\b(?! USING (COVERING )?INDEX tasks_dead_errors$).*"));
  }

  @Test
  void workflowStepOfABatchReadsCoveringIndexesAlone() throws Exception {
    // A chord member's end writes no node or edge row (migration 12); its step is one probe of each index.
    assertThat(plan("workflow_nodes_close")).as("plan of workflow_nodes_close")
        .anyMatch(line -> line.startsWith("SEARCH workflow_nodes USING COVERING INDEX workflow_nodes_closing (task_id=?)"))
        .noneMatch(line -> line.matches(".*\\bSCAN workflow_nodes\\b.*"));
    assertThat(plan("workflow_edges_release")).as("plan of workflow_edges_release")
        .anyMatch(line -> line.startsWith("SEARCH workflow_edges USING COVERING INDEX workflow_edges_pending (parent_id=?)"))
        .noneMatch(line -> line.matches(".*\\bSCAN workflow_edges\\b.*"));
    assertThat(plan("workflow_any_running")).as("plan of workflow_any_running")
        .anyMatch(line -> line.contains("INDEX workflows_running"));
  }

  /** The query plan of the named statement of store.sql, on this test's (empty) database. */
  private List<String> plan(String name) throws Exception {
    if (!Files.exists(directory.resolve(SqliteStore.DATABASE_FILE))) {
      SqliteStore.open(directory).close();
    }
    String statementSql = SqlStatements.load(SqliteStore.class, "store.sql").get(name);
    List<String> plan = new ArrayList<>();
    try (Connection connection = DriverManager.getConnection(
            "jdbc:sqlite:" + directory.resolve(SqliteStore.DATABASE_FILE));
        PreparedStatement explain = connection.prepareStatement("EXPLAIN QUERY PLAN " + statementSql)) {
      int parameters = explain.getParameterMetaData().getParameterCount();
      for (int i = 1; i <= parameters; i++) {
        explain.setString(i, "x");
      }
      try (ResultSet rs = explain.executeQuery()) {
        while (rs.next()) {
          plan.add(rs.getString("detail"));
        }
      }
    }
    return plan;
  }

  @Test
  void finishedTasksAreCountedUpToTheBoundAndMarkedPastIt() throws Exception {
    SqliteStore.open(directory).close();
    try (Connection connection = DriverManager.getConnection(
            "jdbc:sqlite:" + directory.resolve(SqliteStore.DATABASE_FILE));
        Statement statement = connection.createStatement()) {
      // Straight into the table: a long history without running ten thousand tasks.
      statement.executeUpdate("INSERT INTO tasks (id, queue, type, payload, priority, state, attempt, max_attempts,"
          + " backoff_base_ns, backoff_cap_ns, timeout_ns, run_at, created_at, finished_at)"
          + " WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < " + (SqliteStore.FINISHED_COUNT_BOUND + 5) + ")"
          + " SELECT printf('done-%08d', n), CASE WHEN n <= 3 THEN 'small' ELSE 'big' END, 't', x'7b7d', 0,"
          + " CASE WHEN n = 1 THEN 'CANCELLED' ELSE 'SUCCEEDED' END, 1, 1, 0, 0, 0, n, n, n FROM g");
    }
    try (SqliteStore store = SqliteStore.open(directory)) {
      var queues = store.queues();
      var big = queues.stream().filter(q -> q.queue().equals("big")).findFirst().orElseThrow();
      var small = queues.stream().filter(q -> q.queue().equals("small")).findFirst().orElseThrow();
      assertThat(big.count(TaskState.SUCCEEDED)).isEqualTo(SqliteStore.FINISHED_COUNT_BOUND);
      assertThat(big.isExact(TaskState.SUCCEEDED)).isFalse();
      assertThat(small.counts()).containsEntry(TaskState.SUCCEEDED, 2L).containsEntry(TaskState.CANCELLED, 1L);
      assertThat(small.isExact(TaskState.SUCCEEDED)).isTrue();
    }
  }

  @Test
  void schemaVersionIsRecordedAndANewerSchemaIsRefused() throws Exception {
    SqliteStore.open(directory).close();
    try (Connection connection = DriverManager.getConnection(
            "jdbc:sqlite:" + directory.resolve(SqliteStore.DATABASE_FILE));
        Statement statement = connection.createStatement()) {
      try (ResultSet rs = statement.executeQuery("SELECT version FROM schema_version ORDER BY version")) {
        // Every migration shipped beside the store, in order: 001.sql, 002.sql, ... (a number handed out
        // but not yet shipped is skipped).
        List<Integer> shipped = new ArrayList<>();
        for (int version = 1; version <= 999; version++) {
          if (SqliteStore.class.getResource(String.format("migrations/%03d.sql", version)) != null) {
            shipped.add(version);
          }
        }
        assertThat(shipped).hasSizeGreaterThanOrEqualTo(4).contains(8);
        List<Integer> recorded = new ArrayList<>();
        while (rs.next()) {
          recorded.add(rs.getInt(1));
        }
        assertThat(recorded).isEqualTo(shipped);
      }
      statement.executeUpdate("INSERT INTO schema_version (version, applied_at) VALUES (99, 0)");
    }

    assertThatThrownBy(() -> SqliteStore.open(directory))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("schema version 99");
    // The failed open let go of the directory.
    assertThatThrownBy(() -> SqliteStore.open(directory)).hasMessageContaining("schema version 99");
  }

  @Test
  void leaseTokensAreLongRandomAndDistinct() {
    try (SqliteStore store = SqliteStore.open(directory)) {
      List<NewTask> tasks = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        tasks.add(task("q").build());
      }
      store.insertMany(new InsertRequest(tasks));

      List<String> tokens = claim(store, Duration.ofMinutes(1), 200).stream().map(t -> t.lease().token()).toList();

      assertThat(tokens).hasSize(200).doesNotHaveDuplicates()
          .allSatisfy(token -> assertThat(token).matches("[0-9a-f]{32}"));
    }
  }

  private static Task insert(SqliteStore store, NewTask task) {
    return store.insertMany(new InsertRequest(List.of(task))).outcomes().getFirst().task();
  }

  private static List<Task> claim(SqliteStore store, Duration leaseFor) {
    return claim(store, leaseFor, 10);
  }

  private static List<Task> claim(SqliteStore store, Duration leaseFor, int limit) {
    return store.claim(new ClaimRequest("q", limit, leaseFor, "worker")).tasks();
  }
}
