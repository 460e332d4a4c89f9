package dev.errand.store.postgres;

import static dev.errand.store.postgres.NewTasks.LEASE;
import static dev.errand.store.postgres.NewTasks.newQueue;
import static dev.errand.store.postgres.NewTasks.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.WaitRequest;
import dev.errand.store.postgres.internal.ConnectionUrl;
import java.sql.Connection;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A store on the application's own pool: it works, wakes waiters, and never closes the pool. */
class PostgresUserDataSourceTest {
  @Test
  void storeOnTheCallersPoolWorksAndLeavesThePoolOpen() throws Exception {
    TestDatabase.requireServer();
    ConnectionUrl url = ConnectionUrl.parse(TestDatabase.URL);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url.jdbcUrl());
    config.setDataSourceProperties(url.credentials());
    config.setMaximumPoolSize(3);
    config.setAutoCommit(false); // as many applications configure it: the store must still commit its writes
    String schema = TestDatabase.newSchemaName("userds");
    try (HikariDataSource pool = new HikariDataSource(config)) {
      try (PostgresStore store = PostgresStore.builder().dataSource(pool).schema(schema).build();
          PostgresStore producer = TestDatabase.newStore(schema)) {
        store.awaitWork(new WaitRequest(Set.of(newQueue()), Duration.ofMillis(300))); // connects the listener
        String queue = newQueue();
        assertThat(store.claim(new ClaimRequest(queue, 1, LEASE, "w")).tasks()).isEmpty();
        AtomicLong committedAt = new AtomicLong();
        Thread inserter = Thread.ofPlatform().start(() -> {
          producer.insertMany(request(NewTasks.ready(queue)));
          committedAt.set(System.nanoTime());
        });
        store.awaitWork(new WaitRequest(Set.of(queue), Duration.ofSeconds(10)));
        long returnedAt = System.nanoTime();
        inserter.join();
        // From the commit, not the call (a cold producer is slow); far below maxWait, so a notification woke it.
        assertThat(Duration.ofNanos(returnedAt - committedAt.get())).isLessThan(Duration.ofSeconds(2));
        assertThat(store.claim(new ClaimRequest(queue, 1, LEASE, "w")).tasks()).hasSize(1);
        String other = newQueue();
        store.insertMany(request(NewTasks.ready(other)));
        assertThat(producer.claim(new ClaimRequest(other, 1, LEASE, "w")).tasks())
            .as("an insert through the caller's pool is committed").hasSize(1);
      }
      assertThat(pool.isClosed()).isFalse();
      try (Connection c = pool.getConnection()) {
        assertThat(c.isValid(2)).isTrue();
      }
    } finally {
      TestDatabase.dropSchema(schema);
    }
  }
}
