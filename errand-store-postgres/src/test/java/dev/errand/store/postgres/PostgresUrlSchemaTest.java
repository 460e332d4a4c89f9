package dev.errand.store.postgres;

import static dev.errand.store.postgres.NewTasks.LEASE;
import static dev.errand.store.postgres.NewTasks.newQueue;
import static dev.errand.store.postgres.NewTasks.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.TaskStoreProvider;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A store URL's {@code schema} option, on the real server: the store opened from the URL alone (as the
 * server and the bench open theirs) creates its tables in that schema and works there, and two URLs
 * that differ only in their schema are two separate stores.
 */
class PostgresUrlSchemaTest {
  @Test
  void urlSchemaOptionPutsTheStoreInThatSchema() throws Exception {
    TestDatabase.requireServer();
    String first = TestDatabase.newSchemaName("urlschema");
    String second = TestDatabase.newSchemaName("urlschema");
    try (TaskStore a = TaskStoreProvider.openUrl(withSchema(first));
        TaskStore b = TaskStoreProvider.openUrl(withSchema(second))) {
      assertThat(tables(first)).contains("tasks");
      assertThat(tables(second)).contains("tasks");
      String queue = newQueue();
      a.insertMany(request(NewTasks.ready(queue), NewTasks.ready(queue)));

      assertThat(b.claim(new ClaimRequest(queue, 10, LEASE, "w")).tasks())
          .as("the other schema's store sees none of them").isEmpty();
      try (PostgresStore sameSchema = PostgresStore.builder().url(TestDatabase.URL).schema(first).maximumPoolSize(2).build()) {
        assertThat(sameSchema.claim(new ClaimRequest(queue, 10, LEASE, "w")).tasks())
            .as("a store built with the same schema by name sees both").hasSize(2);
      }
      try (PostgresStore agreeing = PostgresStore.builder().url(withSchema(second)).schema(second).maximumPoolSize(2).build()) {
        assertThat(agreeing.claim(new ClaimRequest(queue, 10, LEASE, "w")).tasks()).isEmpty();
      }
    } finally {
      TestDatabase.dropSchema(first);
      TestDatabase.dropSchema(second);
    }
  }

  private static String withSchema(String schema) {
    return TestDatabase.URL + (TestDatabase.URL.contains("?") ? "&" : "?") + "schema=" + schema;
  }

  private static List<String> tables(String schema) throws Exception {
    List<String> names = new ArrayList<>();
    try (Connection c = TestDatabase.connect();
        PreparedStatement s = c.prepareStatement("select table_name from information_schema.tables where table_schema = ?")) {
      s.setString(1, schema);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
    }
    return names;
  }
}
