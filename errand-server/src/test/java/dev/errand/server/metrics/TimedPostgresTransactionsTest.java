package dev.errand.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.errand.core.Enqueued;
import dev.errand.core.Errand;
import dev.errand.core.StoreUnavailableException;
import dev.errand.core.TaskSpec;
import dev.errand.core.spi.JdbcTransactionalStore;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WakeUpStore;
import dev.errand.store.postgres.PostgresStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A library user who wraps a PostgreSQL store in the metrics wrapper keeps the store's powers: enqueue in
 * the caller's own JDBC transaction commits and rolls back with the caller's writes, and is timed. Runs
 * against the PostgreSQL server of {@code ERRAND_TEST_POSTGRES_URL} (by default the local one); skipped
 * when there is none, failed instead under {@code CI=true}.
 */
class TimedPostgresTransactionsTest {
  private static final String URL = System.getenv().getOrDefault(
      "ERRAND_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test");

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private String schema;
  private PostgresStore postgres;
  private Errand errand;

  @BeforeEach
  void openWrappedStore() throws Exception {
    byte[] suffix = new byte[4];
    ThreadLocalRandom.current().nextBytes(suffix);
    schema = "t_timed_" + HexFormat.of().formatHex(suffix);
    System.out.println("test schema: " + schema);
    try {
      postgres = PostgresStore.builder().url(URL).schema(schema).maximumPoolSize(4).build();
    } catch (StoreUnavailableException e) {
      String message = "PostgreSQL is not reachable at " + URL + ": " + e.getMessage();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message + " (CI=true, so this fails instead of skipping)");
      }
      Assumptions.abort(message);
    }
    try (Connection c = postgres.openTransaction(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + schema + ".orders (id text PRIMARY KEY)");
      c.commit();
    }
    errand = Errand.builder().store(TimedTaskStore.wrap(postgres, registry)).runWorkers(false).build();
  }

  @AfterEach
  void dropSchema() throws Exception {
    if (postgres == null) {
      return;
    }
    try (Connection c = postgres.openTransaction(); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA " + schema + " CASCADE");
      c.commit();
    }
    errand.close();
  }

  @Test
  void enqueueInTheCallersTransactionWorksThroughTheMetricsWrapper() throws Exception {
    Enqueued committed;
    try (Connection c = postgres.openTransaction()) {
      insertOrder(c, "order-1");
      committed = errand.enqueue(c, TaskSpec.of("ship", null));
      assertThat(errand.find(committed.task().id())).as("invisible before the caller commits").isEmpty();
      c.commit();
    }
    Enqueued rolledBack;
    try (Connection c = postgres.openTransaction()) {
      insertOrder(c, "order-2");
      rolledBack = errand.enqueue(c, TaskSpec.of("ship", null));
      c.rollback();
    }

    assertThat(errand.find(committed.task().id())).isPresent();
    assertThat(orderExists("order-1")).isTrue();
    assertThat(errand.find(rolledBack.task().id())).as("rolled back with the caller's order").isEmpty();
    assertThat(orderExists("order-2")).isFalse();
    assertThat(registry.get("errand.store.calls").tag("op", "insert").tag("outcome", "ok").timer().count())
        .as("both enqueues were timed").isEqualTo(2);
  }

  @Test
  void wrapperForwardsThePowersItDoesNotTime() {
    TaskStore timed = errand.store();
    assertThat(timed.capability(WakeUpStore.class)).as("the wake-up is the store's own").containsSame(postgres);
    assertThat(timed.capability(JdbcTransactionalStore.class)).as("a timed wrapper").isPresent()
        .get().isNotSameAs(postgres);
  }

  private void insertOrder(Connection c, String id) throws Exception {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".orders (id) VALUES (?)")) {
      ps.setString(1, id);
      ps.executeUpdate();
    }
  }

  private boolean orderExists(String id) throws Exception {
    try (Connection c = postgres.openTransaction();
        PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + schema + ".orders WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }
}
