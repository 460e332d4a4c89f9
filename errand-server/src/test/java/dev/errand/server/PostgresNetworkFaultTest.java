package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Network faults between the server and PostgreSQL, made by a fault proxy: latency, a stalled
 * connection, and a reset in place of a commit's answer. An enqueue is acknowledged only once committed;
 * a commit whose answer was lost is a 503 that says the outcome is unknown, the task is there exactly
 * once, and the caller's retry with the same idempotency key returns it instead of making a second.
 * What was committed is read straight from PostgreSQL, around the proxy.
 */
class PostgresNetworkFaultTest {
  private ProxiedPostgres pg;
  private TestServer server;

  @BeforeEach
  void start() {
    pg = ProxiedPostgres.open("netfault");
    server = pg.server("connectionTimeout=2s&socketTimeout=3");
  }

  @AfterEach
  void stop() {
    if (pg != null) {
      pg.close(); // and the server
    }
  }

  @Test
  void withLatencyEveryEnqueueIsAcknowledgedOnlyOnceCommitted() throws SQLException {
    pg.proxy.latency(Duration.ofMillis(40));
    for (int i = 0; i < 10; i++) {
      String key = "slow-" + i;
      Http.Resp r = enqueue(key);
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      assertThat(committed(key)).as(key).isEqualTo(1);
    }
  }

  @Test
  void aCommitWhoseAnswerIsLostIs503UnknownThenPresentOnceAndTheRetryWithItsKeyIsSafe() throws SQLException {
    String key = "lost-answer-" + UUID.randomUUID();
    pg.proxy.loseAnswerTo(key);
    Http.Resp lost = enqueue(key);
    assertThat(pg.proxy.answerLossPending()).as("the proxy met the insert").isFalse();
    assertThat(lost.status()).as(lost.toString()).isEqualTo(503);
    assertThat(lost.header("Retry-After")).isNotBlank();
    assertThat(lost.json().path("detail").asText()).contains("may or may not have taken effect");
    assertThat(committed(key)).as("the insert committed; only its answer was lost").isEqualTo(1);

    Http.Resp retry = await().atMost(Duration.ofSeconds(30)).until(() -> enqueue(key), r -> r.status() != 503);
    assertThat(retry.status()).as(retry.toString()).isEqualTo(200); // the existing task, not a second one
    assertThat(committed(key)).isEqualTo(1);
    Http.Resp list = server.http.get("/v1/tasks?queue=faults");
    assertThat(list.json().path("tasks").findValuesAsText("idempotencyKey")).containsOnlyOnce(key);
    assertThat(server.http.get("/v1/tasks/" + retry.json().path("id").asText()).status()).isEqualTo(200);
  }

  @Test
  void aStalledConnectionIsA503AndTheRetryWithTheSameKeyLeavesOneTask() throws SQLException {
    assertThat(enqueue("warm").status()).isEqualTo(201);
    pg.proxy.stall();
    String key = "stalled-" + UUID.randomUUID();
    Http.Resp stalled = enqueue(key); // waits out the socket or pool timeout, a few seconds
    assertThat(stalled.status()).as(stalled.toString()).isEqualTo(503);
    pg.proxy.heal();
    // The stalled insert may still reach the database once the network heals: its outcome was unknown.
    Http.Resp retry = await().atMost(Duration.ofSeconds(30)).until(() -> enqueue(key), r -> r.status() != 503);
    assertThat(retry.status()).as(retry.toString()).isIn(200, 201);
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> committed(key) == 1);
  }

  private Http.Resp enqueue(String key) {
    return server.http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"faults\",\"idempotencyKey\":\"" + key + "\"}");
  }

  /** How many tasks with {@code key} PostgreSQL holds, read around the proxy. */
  private int committed(String key) throws SQLException {
    try (Connection c = ProxiedPostgres.connectDirect();
        PreparedStatement s = c.prepareStatement("SELECT count(*) FROM " + pg.schema + ".tasks WHERE idempotency_key = ?")) {
      s.setString(1, key);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}
