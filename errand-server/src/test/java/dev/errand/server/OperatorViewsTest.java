package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The routes behind the dashboard's incident views: what waits in order of its next run and running it
 * now, dead letters grouped by error with counts, purging a selection, and the workers of the last hour.
 */
class OperatorViewsTest {
  private final TestServer s = TestServer.sqlite();

  @AfterEach
  void stop() {
    s.close();
  }

  private String enqueue(String body) {
    Http.Resp r = s.http.post("/v1/tasks", body);
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json().get("id").asText();
  }

  private static List<String> ids(JsonNode tasks) {
    List<String> out = new ArrayList<>();
    tasks.forEach(t -> out.add(t.get("id").asText()));
    return out;
  }

  /** Fails the claimed task of {@code queue} with {@code error}, for good. */
  private String dies(String queue, String type, String error) {
    String id = enqueue("{\"type\":\"" + type + "\",\"queue\":\"" + queue + "\"}");
    JsonNode t = s.http.post("/v1/queues/" + queue + "/claim", "{\"workerId\":\"w1\",\"max\":1}").json().get("tasks").get(0);
    assertThat(s.http.post("/v1/tasks/" + t.get("id").asText() + "/fail", "{\"leaseToken\":\"" + t.get("leaseToken").asText()
        + "\",\"retryable\":false,\"error\":\"" + error + "\"}").status()).isEqualTo(204);
    return id;
  }

  @Test
  void waitingTasksComeInOrderOfTheirNextRunAndRunNowOnAsk() {
    String later = enqueue("{\"type\":\"job\",\"queue\":\"a\",\"delay\":\"3h\"}");
    String soonest = enqueue("{\"type\":\"job\",\"queue\":\"b\",\"delay\":\"1h\"}");
    String middle = enqueue("{\"type\":\"job\",\"queue\":\"a\",\"delay\":\"2h\"}");
    enqueue("{\"type\":\"job\",\"queue\":\"a\"}");

    assertThat(ids(s.http.get("/v1/tasks:due").json().get("tasks"))).containsExactly(soonest, middle, later);
    assertThat(ids(s.http.get("/v1/tasks:due?queue=a&limit=1").json().get("tasks"))).containsExactly(middle);
    assertThat(s.http.get("/v1/tasks:due?limit=1001").status()).isEqualTo(422);

    Http.Resp one = s.http.post("/v1/tasks/" + soonest + "/run", "");
    assertThat(one.status()).as(one.toString()).isEqualTo(200);
    assertThat(one.json().get("state").asText()).isEqualTo("READY");
    assertThat(s.http.post("/v1/tasks/" + soonest + "/run", "").status()).as("no longer waits").isEqualTo(409);
    assertThat(s.http.post("/v1/due/run?queue=a", "").json().get("ran").asInt()).isEqualTo(2);
    assertThat(s.http.get("/v1/tasks:due").json().get("tasks")).isEmpty();
  }

  @Test
  void deadLettersAreGroupedByTheirErrorsFirstLineAndASelectionIsPurgedById() {
    String a1 = dies("mail", "send", "SMTP 550 mailbox unavailable\\n  at Mailer.send");
    String a2 = dies("mail", "send", "SMTP 550 mailbox unavailable\\n  at Mailer.retry");
    String b = dies("billing", "charge", "card declined");

    JsonNode all = s.http.get("/v1/dead/groups").json();
    assertThat(all.get("complete").asBoolean()).isTrue();
    assertThat(all.get("scanned").asInt()).isEqualTo(3);
    JsonNode top = all.get("groups").get(0);
    assertThat(top.get("error").asText()).isEqualTo("SMTP 550 mailbox unavailable");
    assertThat(top.get("count").asInt()).isEqualTo(2);
    assertThat(top.get("queues").toString()).isEqualTo("[\"mail\"]");
    assertThat(top.get("newest").asText()).isEqualTo(a2);
    assertThat(all.get("groups").get(1).get("count").asInt()).isEqualTo(1);
    assertThat(s.http.get("/v1/dead/groups?queue=billing").json().get("groups")).hasSize(1);

    assertThat(s.http.delete("/v1/dead?id=" + a1).json().get("purged").asInt()).isEqualTo(1);
    assertThat(s.http.get("/v1/tasks/" + a1).status()).isEqualTo(404);
    assertThat(s.http.get("/v1/tasks/" + b).json().get("state").asText()).isEqualTo("DEAD");
    assertThat(s.http.delete("/v1/dead?id=not%20an%20id").status()).isEqualTo(422);
  }

  @Test
  void aTaskAndItsErrorHistoryShowEachAttemptsHeartbeats() {
    String id = enqueue("{\"type\":\"job\",\"queue\":\"hb\",\"maxAttempts\":1}");
    JsonNode t = s.http.post("/v1/queues/hb/claim", "{\"workerId\":\"w1\",\"max\":1}").json().get("tasks").get(0);
    String lease = "{\"leaseToken\":\"" + t.get("leaseToken").asText() + "\"}";
    assertThat(s.http.get("/v1/tasks/" + id).json().get("heartbeats").isNull()).as("claimed, not yet beating").isTrue();
    for (int i = 0; i < 3; i++) {
      Http.Resp beat = s.http.post("/v1/tasks/" + id + "/heartbeat", lease);
      assertThat(beat.status()).as(beat.toString()).isEqualTo(200);
    }
    JsonNode beats = s.http.get("/v1/tasks/" + id).json().get("heartbeats");
    assertThat(beats.get("count").asInt()).isEqualTo(3);
    assertThat(java.time.Instant.parse(beats.get("first").asText()))
        .isBeforeOrEqualTo(java.time.Instant.parse(beats.get("last").asText()));
    assertThat(s.http.post("/v1/tasks/" + id + "/fail", lease.replace("}", ",\"retryable\":false,\"error\":\"boom\"}"))
        .status()).isEqualTo(204);

    JsonNode failed = s.http.get("/v1/tasks/" + id + "/errors").json().get("errors").get(0);
    assertThat(failed.get("heartbeats")).isEqualTo(beats);
    assertThat(s.http.get("/v1/tasks/" + id).json().get("heartbeats")).as("kept after the attempt").isEqualTo(beats);
  }

  @Test
  void workersOfTheLastHourShowTheirQueuesRunningTasksAndOutcomes() {
    dies("mail", "send", "boom");
    String running = enqueue("{\"type\":\"send\",\"queue\":\"mail\"}");
    s.http.post("/v1/queues/mail/claim", "{\"workerId\":\"w1\",\"max\":1}");

    JsonNode w = s.http.get("/v1/workers").json().get("workers").get(0);
    assertThat(w.get("workerId").asText()).isEqualTo("w1");
    assertThat(w.get("gone").asBoolean()).isFalse();
    assertThat(w.get("queues").toString()).isEqualTo("[\"mail\"]");
    assertThat(w.get("runningTasks").toString()).isEqualTo("[\"" + running + "\"]");
    assertThat(w.get("failedLastHour").asInt()).isEqualTo(1);
    JsonNode mail = s.http.get("/v1/stats/queues").json().get("queues").get("mail");
    assertThat(mail.get("failed").asInt()).isEqualTo(1);
    assertThat(mail.get("failureRate").asDouble()).isEqualTo(1.0);
  }
}
