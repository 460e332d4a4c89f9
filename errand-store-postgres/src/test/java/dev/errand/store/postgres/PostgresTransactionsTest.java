package dev.errand.store.postgres;

import static dev.errand.store.postgres.NewTasks.LEASE;
import static dev.errand.store.postgres.NewTasks.newQueue;
import static dev.errand.store.postgres.NewTasks.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Task;
import dev.errand.core.TaskState;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.CompleteResult;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.NewTask;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Enqueue and completion joined to the caller's JDBC transaction: tasks and the caller's own writes
 * commit or roll back together, and the store never commits, rolls back or closes the connection.
 */
class PostgresTransactionsTest {
  private static TestSchema db;
  private static String schema;
  private static PostgresStore store;

  @BeforeAll
  static void createStore() throws Exception {
    db = TestSchema.create("tx");
    schema = db.name();
    store = db.newStore();
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + schema + ".orders (id text PRIMARY KEY)");
    }
  }

  @AfterAll
  static void dropSchema() {
    if (db != null) {
      db.close();
    }
  }

  private static void insertOrder(Connection c, String id) throws Exception {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".orders (id) VALUES (?)")) {
      ps.setString(1, id);
      ps.executeUpdate();
    }
  }

  private static boolean orderExists(String id) throws Exception {
    try (Connection c = TestDatabase.connect();
        PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + schema + ".orders WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static List<Task> claim(String queue) {
    return store.claim(new ClaimRequest(queue, 10, LEASE, "w")).tasks();
  }

  @Test
  void rolledBackEnqueueLeavesNoTask() throws Exception {
    String queue = newQueue();
    NewTask t = NewTasks.ready(queue);
    try (Connection c = store.openTransaction()) {
      assertThat(c.getAutoCommit()).isFalse();
      insertOrder(c, t.id().value());
      InsertResult result = store.insertMany(c, request(t));
      assertThat(result.outcomes().get(0).created()).isTrue();
      assertThat(store.get(t.id())).as("invisible before commit").isEmpty();
      c.rollback();
    }
    assertThat(store.get(t.id())).isEmpty();
    assertThat(orderExists(t.id().value())).isFalse();
    assertThat(claim(queue)).isEmpty();
  }

  @Test
  void committedEnqueueIsClaimableWithTheCallersWrite() throws Exception {
    String queue = newQueue();
    NewTask t = NewTasks.ready(queue);
    try (Connection c = TestDatabase.connect()) {
      c.setAutoCommit(false);
      insertOrder(c, t.id().value());
      store.insertMany(c, request(t));
      assertThat(c.isClosed()).isFalse();
      assertThat(c.getAutoCommit()).isFalse();
      c.commit();
    }
    assertThat(orderExists(t.id().value())).isTrue();
    assertThat(claim(queue)).extracting(Task::id).containsExactly(t.id());
  }

  @Test
  void completionRolledBackWithTheHandlersWritesLeavesTheTaskToRetry() throws Exception {
    String queue = newQueue();
    store.insertMany(request(NewTasks.ready(queue)));
    Task running = claim(queue).get(0);
    String orderId = "order-" + running.id();

    try (Connection c = store.openTransaction()) {
      insertOrder(c, orderId);
      CompleteResult result = store.completeMany(c, new CompleteRequest(List.of(
          new Completion(running.id(), running.lease().token(), new Completion.Succeeded(null)))));
      assertThat(result.stale()).isEmpty();
      c.rollback();
    }
    Task after = store.get(running.id()).orElseThrow();
    assertThat(after.state()).isEqualTo(TaskState.RUNNING);
    assertThat(after.lease()).isEqualTo(running.lease());
    assertThat(orderExists(orderId)).isFalse();

    try (Connection c = store.openTransaction()) {
      insertOrder(c, orderId);
      store.completeMany(c, new CompleteRequest(List.of(
          new Completion(running.id(), running.lease().token(), new Completion.Succeeded(null)))));
      c.commit();
    }
    assertThat(store.get(running.id()).orElseThrow().state()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(orderExists(orderId)).isTrue();
  }

  @Test
  void transactionalCompletionIsFencedByTheLeaseToken() throws Exception {
    String queue = newQueue();
    store.insertMany(request(NewTasks.ready(queue)));
    Task running = claim(queue).get(0);
    try (Connection c = store.openTransaction()) {
      CompleteResult result = store.completeMany(c, new CompleteRequest(List.of(
          new Completion(running.id(), "not-the-token", new Completion.Succeeded(null)))));
      assertThat(result.stale()).containsExactly(running.id());
      c.commit();
    }
    assertThat(store.get(running.id()).orElseThrow().state()).isEqualTo(TaskState.RUNNING);
  }
}
