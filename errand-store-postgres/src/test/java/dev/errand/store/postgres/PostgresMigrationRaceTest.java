package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.store.postgres.internal.StoreSql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Nodes that start at once on an empty schema all come up, and the schema is migrated exactly once. */
class PostgresMigrationRaceTest {
  private static final int NODES = 5;
  private String schema;

  @BeforeEach
  void newSchema() {
    TestDatabase.requireServer();
    schema = TestDatabase.newSchemaName("race");
  }

  @AfterEach
  void dropSchema() {
    if (schema != null) {
      TestDatabase.dropSchema(schema);
    }
  }

  @Test
  void fiveNodesStartingAtOnceAllSucceed() throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<PostgresStore>> nodes = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(NODES)) {
      for (int i = 0; i < NODES; i++) {
        nodes.add(pool.submit(() -> {
          start.await();
          return PostgresStore.builder().url(TestDatabase.URL).schema(schema).maximumPoolSize(2).build();
        }));
      }
      start.countDown();
    }
    List<PostgresStore> stores = new ArrayList<>();
    try {
      for (Future<PostgresStore> f : nodes) {
        stores.add(f.get());
      }
      for (PostgresStore s : stores) {
        s.ping();
        assertThat(s.queues()).isEmpty();
      }
      List<StoreSql.Migration> migrations = StoreSql.forSchema(schema).migrations();
      try (Connection c = TestDatabase.connect()) {
        assertThat(count(c, "SELECT count(*) FROM " + schema + ".schema_version")).isEqualTo(migrations.size());
        // Numbers may skip one handed out but not shipped yet: the newest is the last one's.
        assertThat(count(c, "SELECT max(version) FROM " + schema + ".schema_version"))
            .isEqualTo(migrations.getLast().version());
        assertThat(indexes(c)).containsExactlyInAnyOrder("tasks_pkey", "tasks_ready", "tasks_waiting",
            "tasks_leased", "tasks_finished", "tasks_dead", "tasks_dead_finished", "tasks_idempotency", "tasks_joining");
      }
    } finally {
      stores.forEach(PostgresStore::close);
    }
  }

  @Test
  void aSecondStartAppliesNothing() throws Exception {
    TestDatabase.newStore(schema).close();
    try (PostgresStore again = TestDatabase.newStore(schema); Connection c = TestDatabase.connect()) {
      again.ping();
      assertThat(count(c, "SELECT count(*) FROM " + schema + ".schema_version"))
          .isEqualTo(StoreSql.forSchema(schema).migrations().size());
    }
  }

  private List<String> indexes(Connection c) throws Exception {
    List<String> names = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT indexname FROM pg_indexes WHERE schemaname = ? AND tablename = 'tasks'")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
    }
    return names;
  }

  private static long count(Connection c, String sql) throws Exception {
    try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
