package dev.errand.store.postgres;

import static dev.errand.store.postgres.NewTasks.LEASE;
import static dev.errand.store.postgres.NewTasks.newQueue;
import static dev.errand.store.postgres.NewTasks.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.WaitRequest;
import dev.errand.store.postgres.internal.ConnectionUrl;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An insert in the store's own transaction wakes the same store's waiters itself once it has committed,
 * without waiting for its notification; one in the caller's transaction wakes them only through the
 * notification its commit sends, so a rolled-back one wakes no one.
 */
class PostgresLocalWakeUpTest {
  /** Far longer than any wake-up: a waiter that returns well before it was woken. */
  private static final Duration LONG_WAIT = Duration.ofSeconds(60);
  private static TestSchema db;
  private static PostgresStore store;

  @BeforeAll
  static void createStore() {
    db = TestSchema.create("localwake");
    store = db.newStore();
  }

  @AfterAll
  static void dropSchema() {
    if (db != null) {
      db.close();
    }
  }

  /** The worker loop in miniature: an empty claim, then a wait; returns when the wait ended. */
  private static Thread startWaiter(PostgresStore on, String queue, Duration maxWait, AtomicLong returnedAt) {
    return Thread.ofPlatform().start(() -> {
      try {
        assertThat(on.claim(new ClaimRequest(queue, 1, LEASE, "w")).tasks()).isEmpty();
        on.awaitWork(new WaitRequest(Set.of(queue), maxWait));
        returnedAt.set(System.nanoTime());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  private static HikariDataSource newPool() {
    ConnectionUrl url = ConnectionUrl.parse(TestDatabase.URL);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url.jdbcUrl());
    config.setDataSourceProperties(url.credentials());
    config.setMaximumPoolSize(3);
    return new HikariDataSource(config);
  }

  @Test
  void ownInsertWakesTheStoresWaitersWithoutANotification() throws Exception {
    AtomicInteger refusedListens = new AtomicInteger();
    try (HikariDataSource pool = newPool();
        PostgresStore deaf = PostgresStore.builder()
            .dataSource(new WatchedDataSource(pool, true, refusedListens, new AtomicInteger()))
            .schema(db.name()).build()) {
      String queue = newQueue();
      AtomicLong returnedAt = new AtomicLong();
      Thread waiter = startWaiter(deaf, queue, LONG_WAIT, returnedAt);
      await().atMost(Duration.ofSeconds(10)).until(() -> refusedListens.get() > 0
          && waiter.getState() == Thread.State.TIMED_WAITING);
      deaf.insertMany(request(NewTasks.ready(queue)));
      waiter.join(Duration.ofSeconds(30));
      assertThat(returnedAt.get()).as("the waiter returned long before its 60 s wait was over").isNotZero();
      assertThat(deaf.claim(new ClaimRequest(queue, 1, LEASE, "w")).tasks()).hasSize(1);
      assertThat(refusedListens.get()).as("the listener never got a connection to listen on").isPositive();
    }
  }

  @Test
  void rolledBackTransactionalEnqueueWakesNoOneAndACommittedOneWakesThroughItsNotification() throws Exception {
    store.awaitWork(new WaitRequest(Set.of(newQueue()), Duration.ofMillis(300))); // connects the listener
    String queue = newQueue();
    Duration maxWait = Duration.ofMillis(1500);
    AtomicLong returnedAt = new AtomicLong();
    long start = System.nanoTime();
    Thread waiter = startWaiter(store, queue, maxWait, returnedAt);
    await().atMost(Duration.ofSeconds(10)).until(() -> waiter.getState() == Thread.State.TIMED_WAITING);
    try (Connection tx = store.openTransaction()) {
      store.insertMany(tx, request(NewTasks.ready(queue)));
      tx.rollback();
    }
    waiter.join(Duration.ofSeconds(30));
    assertThat(Duration.ofNanos(returnedAt.get() - start)).as("the waiter waited out its maxWait")
        .isGreaterThanOrEqualTo(maxWait.minusMillis(100));

    AtomicLong wokenAt = new AtomicLong();
    Thread second = startWaiter(store, queue, LONG_WAIT, wokenAt);
    await().atMost(Duration.ofSeconds(10)).until(() -> second.getState() == Thread.State.TIMED_WAITING);
    try (Connection tx = store.openTransaction()) {
      store.insertMany(tx, request(NewTasks.ready(queue)));
      tx.commit();
    }
    second.join(Duration.ofSeconds(30));
    assertThat(wokenAt.get()).as("the committed enqueue's notification woke the waiter").isNotZero();
    assertThat(store.claim(new ClaimRequest(queue, 5, LEASE, "w")).tasks()).hasSize(1);
  }

  @Test
  void waitAfterAnEmptyClaimThatWorkCameDuringEndsWithoutTouchingTheDatabase() throws Exception {
    AtomicInteger borrowed = new AtomicInteger();
    try (HikariDataSource pool = newPool();
        PostgresStore watched = PostgresStore.builder()
            .dataSource(new WatchedDataSource(pool, false, new AtomicInteger(), borrowed))
            .schema(db.name()).build()) {
      watched.awaitWork(new WaitRequest(Set.of(newQueue()), Duration.ofMillis(300))); // connects the listener
      String queue = newQueue();
      assertThat(watched.claim(new ClaimRequest(queue, 1, LEASE, "w")).tasks()).isEmpty();
      watched.insertMany(request(NewTasks.ready(queue))); // as if it came while the claim ran
      int before = borrowed.get();
      long start = System.nanoTime();
      watched.awaitWork(new WaitRequest(Set.of(queue), LONG_WAIT));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(LONG_WAIT.dividedBy(2));
      assertThat(borrowed.get()).as("no due-time query").isEqualTo(before);
      assertThat(watched.claim(new ClaimRequest(queue, 1, LEASE, "w")).tasks()).hasSize(1);
    }
  }

  /**
   * The caller's pool, counting the connections it lends to anyone but the store's listener thread, and
   * lending none to that thread if {@code refuseListener}.
   */
  private record WatchedDataSource(DataSource pool, boolean refuseListener, AtomicInteger refused,
      AtomicInteger borrowed) implements DataSource {
    @Override
    public Connection getConnection() throws SQLException {
      if (Thread.currentThread().getName().endsWith("-listener")) {
        if (refuseListener) {
          refused.incrementAndGet();
          throw new SQLException("this test's database does not let the store listen", "08004");
        }
      } else {
        borrowed.incrementAndGet();
      }
      return pool.getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
      return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
      pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
      pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
      return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
      return pool.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
      return pool.isWrapperFor(type);
    }
  }
}
