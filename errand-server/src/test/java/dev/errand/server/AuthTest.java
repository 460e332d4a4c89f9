package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.Errand;
import dev.errand.core.testkit.InMemoryTaskStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Bearer tokens and roles: who may call what, and refusing to listen openly beyond loopback. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthTest {
  private static final String PRODUCER = "producer-token-0123456789";
  private static final String WORKER = "worker-token-0123456789ab";
  private static final String ADMIN = "admin-token-0123456789abc";

  private final TestServer s = TestServer.sqlite(c -> c.withTokens(Tokens.parse(
      "# comment\n" + PRODUCER + " producer\n\n" + WORKER + " worker, " + ADMIN + " admin", "test")));
  private final Http anonymous = s.http;
  private final Http producer = s.http.withToken(PRODUCER);
  private final Http worker = s.http.withToken(WORKER);
  private final Http admin = s.http.withToken(ADMIN);

  @AfterAll
  void stop() {
    s.close();
  }

  @Test
  void noOrWrongTokenIs401WithAChallenge() {
    Http.Resp none = anonymous.post("/v1/tasks", "{\"type\":\"t\"}");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(none.header("Content-Type")).startsWith("application/problem+json");
    Http.Resp wrong = s.http.withToken(ADMIN + "x").get("/v1/queues");
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.header("WWW-Authenticate")).contains("invalid_token");
    assertThat(anonymous.send("GET", "/v1/queues", null, "Authorization", "Basic " + ADMIN).status()).isEqualTo(401);
    assertThat(wrong.body()).doesNotContain(ADMIN);
  }

  @Test
  void producerEnqueuesAndReadsButNeitherWorksNorAdministers() {
    Http.Resp created = producer.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"auth-p\"}");
    assertThat(created.status()).isEqualTo(201);
    String id = created.json().get("id").asText();
    assertThat(producer.post("/v1/tasks:batch", "{\"tasks\":[{\"type\":\"t\",\"queue\":\"auth-p\"}]}").status()).isEqualTo(201);
    assertThat(producer.get("/v1/tasks/" + id).status()).isEqualTo(200);
    assertThat(producer.get("/v1/tasks").status()).isEqualTo(200);
    assertThat(producer.get("/v1/queues").status()).isEqualTo(200);
    assertThat(producer.post("/v1/queues/auth-p/claim", "{\"workerId\":\"w\"}").status()).isEqualTo(403);
    assertThat(producer.post("/v1/tasks/" + id + "/complete", "{\"leaseToken\":\"x\"}").status()).isEqualTo(403);
    assertThat(producer.post("/v1/queues/auth-p/pause", null).status()).isEqualTo(403);
    assertThat(producer.put("/v1/queues/auth-p/limits", "{\"maxRunning\":1}").status()).isEqualTo(403);
    assertThat(producer.put("/v1/schedules/auth-p", "{\"interval\":\"1h\",\"task\":{\"type\":\"t\"}}").status())
        .isEqualTo(403);
    assertThat(producer.delete("/v1/schedules/auth-p").status()).isEqualTo(403);
    assertThat(producer.get("/v1/schedules").status()).isEqualTo(200);
    assertThat(producer.post("/v1/tasks/" + id + "/cancel", null).status()).isEqualTo(403);
    assertThat(producer.delete("/v1/dead").status()).isEqualTo(403);
    assertThat(producer.post("/v1/dead/replay", null).status()).isEqualTo(403);
  }

  @Test
  void workerClaimsAndReadsButCannotEnqueue() {
    admin.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"auth-w\"}");
    assertThat(worker.post("/v1/tasks", "{\"type\":\"t\"}").status()).isEqualTo(403);
    Http.Resp claim = worker.post("/v1/queues/auth-w/claim", "{\"workerId\":\"w\"}");
    assertThat(claim.status()).isEqualTo(200);
    var t = claim.json().get("tasks").get(0);
    assertThat(worker.post("/v1/tasks/" + t.get("id").asText() + "/heartbeat",
        "{\"leaseToken\":\"" + t.get("leaseToken").asText() + "\"}").status()).isEqualTo(200);
    assertThat(worker.post("/v1/tasks/" + t.get("id").asText() + "/complete",
        "{\"leaseToken\":\"" + t.get("leaseToken").asText() + "\"}").status()).isEqualTo(204);
    assertThat(worker.get("/v1/tasks/" + t.get("id").asText()).status()).isEqualTo(200);
    assertThat(worker.post("/v1/queues/auth-w/pause", null).status()).isEqualTo(403);
  }

  @Test
  void adminMayDoEverything() {
    assertThat(admin.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"auth-a\"}").status()).isEqualTo(201);
    assertThat(admin.post("/v1/queues/auth-a/claim", "{\"workerId\":\"w\"}").status()).isEqualTo(200);
    assertThat(admin.post("/v1/queues/auth-a/pause", null).status()).isEqualTo(200);
    assertThat(admin.post("/v1/queues/auth-a/resume", null).status()).isEqualTo(200);
    assertThat(admin.put("/v1/queues/auth-a/limits", "{\"maxRunning\":1}").status()).isEqualTo(200);
    assertThat(admin.delete("/v1/dead?queue=auth-a").status()).isEqualTo(200);
  }

  @Test
  void healthAndDescriptionStayOpen() {
    assertThat(anonymous.get("/health/live").status()).isEqualTo(200);
    assertThat(anonymous.get("/health/ready").status()).isEqualTo(200);
    assertThat(anonymous.get("/v1/openapi.json").status()).isEqualTo(200);
    assertThat(anonymous.get("/docs").status()).isEqualTo(200);
  }

  @Test
  void refusesToListenBeyondLoopbackWithoutTokens() {
    Errand errand = Errand.builder().store(new InMemoryTaskStore()).build();
    try {
      assertThatThrownBy(() -> ErrandServer.start(ServerConfig.loopback(0, "memory").withHost("0.0.0.0"), errand))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("--tokens-file").hasMessageContaining("ERRAND_TOKENS");
    } finally {
      errand.close();
    }
  }

  @Test
  void tokenFilesAreCheckedAndNeverEchoed() {
    assertThatThrownBy(() -> Tokens.parse("short admin", "f")).hasMessageContaining("at least 16")
        .hasMessageNotContaining("short");
    assertThatThrownBy(() -> Tokens.parse(ADMIN + " root", "f")).hasMessageContaining("role 'root'")
        .hasMessageNotContaining(ADMIN);
    assertThatThrownBy(() -> Tokens.parse(ADMIN, "f")).hasMessageContaining("TOKEN ROLE");
    assertThat(Tokens.parse("# the team's tokens, one per line\n" + PRODUCER + " producer, " + ADMIN + " admin\n",
        "f").size()).as("a comma in a comment separates nothing").isEqualTo(2);
    assertThatThrownBy(() -> Tokens.parse("# ok, fine\n" + ADMIN + " admin\n" + ADMIN + " root", "f"))
        .hasMessageContaining("f line 3");
    Tokens t = Tokens.parse(PRODUCER + " producer", "f");
    assertThat(t.roleOf(PRODUCER)).contains(Role.PRODUCER);
    assertThat(t.roleOf(PRODUCER.substring(1))).isEmpty();
  }
}
