package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Enqueued;
import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once effects through the runtime: enqueue joins the caller's transaction, and a handler's
 * writes through {@code task.connection()} commit together with its task's completion.
 */
class PostgresErrandTransactionsTest {
  private TestSchema db;
  private Errand errand;

  @BeforeEach
  void open() throws Exception {
    db = TestSchema.create("errandtx");
    PostgresStore store = db.newStore();
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + db.name() + ".effects (task_id text PRIMARY KEY, attempt int NOT NULL)");
    }
    errand = Errand.builder().store(store).queue("default", 4).leaseDuration(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(100)).seed(7).build();
  }

  @AfterEach
  void close() {
    if (errand != null) {
      errand.stop();
    }
    if (db != null) {
      db.close();
    }
  }

  private void recordEffect(Connection c, String taskId, int attempt) throws Exception {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO " + db.name() + ".effects (task_id, attempt) VALUES (?, ?)")) {
      ps.setString(1, taskId);
      ps.setInt(2, attempt);
      ps.executeUpdate();
    }
  }

  private int effectAttempt(String taskId) throws Exception {
    try (Connection c = TestDatabase.connect(); PreparedStatement ps = c.prepareStatement(
        "SELECT attempt FROM " + db.name() + ".effects WHERE task_id = ?")) {
      ps.setString(1, taskId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    }
  }

  @Test
  void enqueueInARolledBackTransactionNeverRunsAndACommittedOneDoes() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    errand.handle("work", Json.class, (task, payload) -> runs.incrementAndGet());
    errand.start();
    Enqueued rolledBack;
    Enqueued committed;
    try (Connection c = TestDatabase.connect()) {
      c.setAutoCommit(false);
      rolledBack = errand.enqueue(c, TaskSpec.of("work", Json.parse("1")));
      c.rollback();
      committed = errand.enqueue(c, TaskSpec.of("work", Json.parse("2")));
      c.commit();
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> errand.get(committed.task().id()).state() == TaskState.SUCCEEDED);
    assertThat(errand.find(rolledBack.task().id())).isEmpty();
    assertThat(runs.get()).isEqualTo(1);
  }

  @Test
  void handlerWritesCommitWithTheCompletionAndRollBackWithAFailure() throws Exception {
    errand.handle("charge", Json.class, (task, payload) -> {
      recordEffect(task.connection(), task.id().value(), task.attempt());
      if (task.attempt() == 1) {
        throw new IllegalStateException("first attempt fails after writing");
      }
      return null;
    });
    errand.start();
    Enqueued e = errand.enqueue(TaskSpec.builder("charge").payload(Json.parse("{}"))
        .backoff(Duration.ofMillis(50), Duration.ofMillis(100)).build());
    String id = e.task().id().value();
    await().atMost(Duration.ofSeconds(20)).until(() -> errand.get(e.task().id()).state() == TaskState.SUCCEEDED);
    assertThat(errand.get(e.task().id()).attempt()).isEqualTo(2);
    assertThat(effectAttempt(id)).as("only the successful attempt's write survives").isEqualTo(2);
  }

  @Test
  void followUpTasksCommitWithTheHandlersWritesAndTheCompletion() throws Exception {
    List<TaskId> followUps = new CopyOnWriteArrayList<>();
    errand.handle("charge", Json.class, (task, payload) -> {
      recordEffect(task.connection(), task.id().value(), task.attempt());
      followUps.add(task.enqueueOnSuccess(TaskSpec.builder("receipt").queue("receipts").build()));
      if (task.attempt() == 1) {
        throw new IllegalStateException("first attempt fails after writing");
      }
      return null;
    });
    errand.start();
    Enqueued e = errand.enqueue(TaskSpec.builder("charge").payload(Json.parse("{}"))
        .backoff(Duration.ofMillis(50), Duration.ofMillis(100)).build());
    await().atMost(Duration.ofSeconds(20)).until(() -> errand.get(e.task().id()).state() == TaskState.SUCCEEDED);

    assertThat(followUps).hasSize(2);
    assertThat(errand.find(followUps.get(0))).as("the failed attempt's follow-up").isEmpty();
    assertThat(errand.get(followUps.get(1)).state()).as("the successful attempt's follow-up").isEqualTo(TaskState.READY);
    assertThat(effectAttempt(e.task().id().value())).isEqualTo(2);
  }
}
