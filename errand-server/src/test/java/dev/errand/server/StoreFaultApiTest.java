package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.errand.store.sqlite.SqliteFaults;
import dev.errand.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What clients and probes see when the store's disk fills up or its data is damaged. */
class StoreFaultApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TASK = "{\"type\":\"t\",\"payload\":{\"pad\":\"" + "x".repeat(2_000) + "\"}}";

  @Test
  void aFullDiskIs503AndNotReadyThenHealsWithoutARestart() throws Exception {
    Path dir = TempDirs.create();
    SqliteStore store = SqliteStore.open(dir);
    try (TestServer s = TestServer.on(store)) {
      List<String> created = new ArrayList<>();
      assertThat(s.http.post("/v1/tasks", TASK).status()).isEqualTo(201);
      SqliteFaults.limitPages(store, 1);

      Http.Resp refused = null;
      for (int i = 0; i < 1_000 && refused == null; i++) {
        Http.Resp r = s.http.post("/v1/tasks", TASK);
        if (r.status() == 201) {
          created.add(JSON.readTree(r.bytes()).get("id").asText());
        } else {
          refused = r;
        }
      }
      assertThat(refused).as("an enqueue into a full store").isNotNull();
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.header("Retry-After")).isNotNull();
      assertThat(s.http.post("/v1/tasks", TASK).status()).as("no false 201 while full").isEqualTo(503);
      assertThat(s.http.get("/health/ready").status()).as("not ready while writes fail").isEqualTo(503);

      SqliteFaults.limitPages(store, 1_000_000);

      await().atMost(Duration.ofSeconds(5)).until(() -> s.http.get("/health/ready").status() == 200);
      Http.Resp healed = s.http.post("/v1/tasks", TASK);
      assertThat(healed.status()).isEqualTo(201);
      created.add(JSON.readTree(healed.bytes()).get("id").asText());
      for (String id : created) {
        assertThat(s.http.get("/v1/tasks/" + id).status()).as("acknowledged %s", id).isEqualTo(200);
      }
    } finally {
      TempDirs.delete(dir);
    }
  }

  @Test
  void damagedDataIsAServerErrorNamedAsSuchNotARetryLater() throws Exception {
    try (TestServer s = TestServer.inMemory()) {
      s.store.corrupt();

      Http.Resp r = s.http.get("/v1/queues");
      assertThat(r.status()).isEqualTo(500);
      assertThat(r.header("Content-Type")).startsWith("application/problem+json");
      assertThat(r.header("Retry-After")).isNull();
      JsonNode problem = JSON.readTree(r.bytes());
      assertThat(problem.get("title").asText()).isEqualTo("store is corrupt");
      Http.Resp ready = s.http.get("/health/ready");
      assertThat(ready.status()).isEqualTo(503);
      assertThat(ready.header("Retry-After")).isNull();
      assertThat(JSON.readTree(ready.bytes()).get("title").asText()).isEqualTo("store is corrupt");
    }
  }
}
