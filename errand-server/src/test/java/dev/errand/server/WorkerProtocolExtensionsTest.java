package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The parts of the HTTP protocol a client needs beyond claim and complete: waiting for a result
 * ({@code ?wait=}), progress with heartbeats, retry-after and snooze, a task's retry policy, and bulk
 * cancel and retry by filter. Each store's test subclasses it.
 */
abstract class WorkerProtocolExtensionsTest extends ServerOnStoreTest {
  private JsonNode claimOne(String queue) {
    Http.Resp r = http.post("/v1/queues/" + queue + "/claim", "{\"workerId\":\"w-1\",\"max\":1,\"leaseSeconds\":30}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("tasks")).hasSize(1);
    return r.json().get("tasks").get(0);
  }

  private Http.Resp post(JsonNode task, String action, String fields) {
    return http.post("/v1/tasks/" + task.get("id").asText() + "/" + action, "{\"leaseToken\":\""
        + task.get("leaseToken").asText() + "\"" + fields + "}");
  }

  @Test
  void waitAnswersWhenTheTaskFinishesAndAtTheDeadlineOtherwise() throws Exception {
    String id = enqueue("waits", "");
    Http.Resp early = http.get("/v1/tasks/" + id + "?wait=300ms");
    assertThat(early.status()).as(early.toString()).isEqualTo(200);
    assertThat(early.json().get("state").asText()).isEqualTo("READY");

    CompletableFuture<Http.Resp> waiting = CompletableFuture.supplyAsync(() -> http.get("/v1/tasks/" + id + "?wait=60s"));
    JsonNode t = claimOne("waits");
    assertThat(waiting).isNotDone();
    assertThat(post(t, "complete", ",\"result\":{\"sent\":true}").status()).isEqualTo(204);
    Http.Resp done = waiting.get(20, TimeUnit.SECONDS); // far sooner than its 60 s deadline
    assertThat(done.status()).as(done.toString()).isEqualTo(200);
    assertThat(done.json().get("state").asText()).isEqualTo("SUCCEEDED");
    assertThat(done.json().get("result").get("sent").asBoolean()).isTrue();
  }

  @Test
  void waitIsCheckedAndAnUnknownTaskIsNotFound() {
    String id = enqueue("waits", "");
    Http.Resp tooLong = http.get("/v1/tasks/" + id + "?wait=61s");
    assertThat(tooLong.status()).as(tooLong.toString()).isEqualTo(422);
    assertThat(tooLong.json().get("errors").get(0).get("field").asText()).isEqualTo("wait");
    assertThat(http.get("/v1/tasks/" + id + "?wait=soon").status()).isEqualTo(422);
    assertThat(http.get("/v1/tasks/" + id + "?waiting=1s").status()).isEqualTo(422);
    assertThat(http.get("/v1/tasks/no-such-task?wait=1s").status()).isEqualTo(404);
  }

  @Test
  void heartbeatKeepsProgressAndTellsAnUnknownTaskFromALostLease() {
    String id = enqueue("progress", "");
    JsonNode t = claimOne("progress");
    Http.Resp beat = post(t, "heartbeat", ",\"leaseSeconds\":30,\"progress\":{\"done\":3,\"of\":10}");
    assertThat(beat.status()).as(beat.toString()).isEqualTo(200);
    JsonNode read = http.get("/v1/tasks/" + id).json();
    assertThat(read.get("progress").get("done").asInt()).isEqualTo(3);
    Http.Resp big = post(t, "heartbeat", ",\"progress\":\"" + "x".repeat(5000) + "\"");
    assertThat(big.status()).as(big.toString()).isEqualTo(422);
    assertThat(big.json().get("errors").get(0).get("field").asText()).isEqualTo("progress");

    Http.Resp unknown = http.post("/v1/tasks/no-such-task/heartbeat", "{\"leaseToken\":\"x\"}");
    assertThat(unknown.status()).as(unknown.toString()).isEqualTo(404);
    Http.Resp stale = http.post("/v1/tasks/" + id + "/heartbeat", "{\"leaseToken\":\"not-the-token\"}");
    assertThat(stale.status()).as(stale.toString()).isEqualTo(409);

    assertThat(post(t, "complete", "").status()).isEqualTo(204);
    assertThat(http.get("/v1/tasks/" + id).json().get("progress").get("of").asInt()).isEqualTo(10);

    // Events carry it: a progress event for the heartbeat, and the task's progress on later ones.
    JsonNode events = http.get("/v1/events/recent?queue=progress").json().get("events");
    List<JsonNode> mine = new ArrayList<>();
    events.forEach(e -> {
      if (e.get("id").asText().equals(id)) {
        mine.add(e);
      }
    });
    assertThat(mine).extracting(e -> e.get("kind").asText()).contains("progress", "succeeded");
    assertThat(mine).filteredOn(e -> e.get("kind").asText().equals("progress")).singleElement()
        .satisfies(e -> assertThat(e.get("progress").get("done").asInt()).isEqualTo(3));
  }

  @Test
  void failWithRetryAfterWaitsAtLeastThatLongAndSnoozeKeepsTheAttempt() {
    String id = enqueue("later", ",\"maxAttempts\":3,\"retry\":{\"base\":\"10ms\",\"cap\":\"20ms\"}");
    JsonNode first = claimOne("later");
    Instant before = Instant.now();
    Http.Resp failed = post(first, "fail", ",\"error\":\"rate limited\",\"retryAfter\":\"10m\"");
    assertThat(failed.status()).as(failed.toString()).isEqualTo(204);
    JsonNode retrying = http.get("/v1/tasks/" + id).json();
    assertThat(retrying.get("state").asText()).isEqualTo("RETRYING");
    assertThat(Instant.parse(retrying.get("runAt").asText())).isAfter(before.plusSeconds(9 * 60));

    assertThat(http.post("/v1/tasks:retry", "{\"queue\":\"later\"}").json().get("count").asInt()).isEqualTo(1);
    JsonNode second = claimOne("later");
    assertThat(second.get("attempt").asInt()).isEqualTo(2);
    Http.Resp snoozed = post(second, "snooze", ",\"delay\":\"5m\"");
    assertThat(snoozed.status()).as(snoozed.toString()).isEqualTo(204);
    JsonNode after = http.get("/v1/tasks/" + id).json();
    assertThat(after.get("state").asText()).isEqualTo("SCHEDULED");
    assertThat(after.get("attempt").asInt()).as("a snooze burns no attempt").isEqualTo(1);
    assertThat(post(second, "snooze", ",\"delay\":\"5m\"").status()).as("the lease is gone").isEqualTo(409);
    Http.Resp noDelay = post(second, "snooze", "");
    assertThat(noDelay.status()).isEqualTo(422);
    assertThat(noDelay.json().get("errors").get(0).get("field").asText()).isEqualTo("delay");
    assertThat(post(second, "fail", ",\"error\":\"x\",\"retryAfter\":\"-1s\"").status()).isEqualTo(422);
  }

  @Test
  void aTasksRetryPolicyIsSetOverHttpAndChecked() {
    String id = enqueue("policy", ",\"maxAttempts\":4,\"retry\":{\"base\":\"2s\",\"cap\":\"10m\"}");
    JsonNode task = http.get("/v1/tasks/" + id).json();
    assertThat(task.get("maxAttempts").asInt()).isEqualTo(4);
    assertThat(task.get("retry").get("base").asText()).isEqualTo("PT2S");
    assertThat(task.get("retry").get("cap").asText()).isEqualTo("PT10M");
    Http.Resp bad = http.post("/v1/tasks", "{\"type\":\"job\",\"retry\":{\"base\":\"1h\",\"cap\":\"1s\"}}");
    assertThat(bad.status()).as(bad.toString()).isEqualTo(422);
    assertThat(bad.json().get("errors").get(0).get("field").asText()).isEqualTo("retry.cap");
    Http.Resp missing = http.post("/v1/tasks", "{\"type\":\"job\",\"retry\":{\"base\":\"1s\"}}");
    assertThat(missing.json().get("errors").get(0).get("field").asText()).isEqualTo("retry.cap");
    Http.Resp batch = http.post("/v1/tasks:batch",
        "{\"tasks\":[{\"type\":\"job\",\"retry\":{\"base\":\"3s\",\"cap\":\"3s\"}}]}");
    assertThat(batch.status()).as(batch.toString()).isEqualTo(201);
    assertThat(batch.json().get("results").get(0).get("task").get("retry").get("cap").asText()).isEqualTo("PT3S");
  }

  @Test
  void bulkCancelCountsFirstThenCancelsWhatTheFilterMatches() {
    for (int i = 0; i < 3; i++) {
      enqueue("bulk", ",\"delay\":\"1h\"");
    }
    String other = http.post("/v1/tasks", "{\"type\":\"other\",\"queue\":\"bulk\"}").json().get("id").asText();
    String filter = "\"queue\":\"bulk\",\"type\":\"job\"";
    Http.Resp dry = http.post("/v1/tasks:cancel", "{" + filter + ",\"dryRun\":true}");
    assertThat(dry.status()).as(dry.toString()).isEqualTo(200);
    assertThat(dry.json().get("count").asInt()).isEqualTo(3);
    assertThat(http.get("/v1/tasks?queue=bulk&state=cancelled").json().get("tasks")).isEmpty();
    assertThat(http.post("/v1/tasks:cancel", "{" + filter + "}").json().get("count").asInt()).isEqualTo(3);
    assertThat(http.get("/v1/tasks?queue=bulk&state=cancelled").json().get("tasks")).hasSize(3);
    assertThat(http.get("/v1/tasks/" + other).json().get("state").asText()).isEqualTo("READY");

    Http.Resp wrongState = http.post("/v1/tasks:cancel", "{\"state\":\"SUCCEEDED\"}");
    assertThat(wrongState.status()).as(wrongState.toString()).isEqualTo(422);
    assertThat(wrongState.json().get("errors").get(0).get("field").asText()).isEqualTo("state");
    Http.Resp window = http.post("/v1/tasks:retry", "{\"createdAfter\":\"2030-01-01T00:00:00Z\","
        + "\"createdBefore\":\"2020-01-01T00:00:00Z\"}");
    assertThat(window.status()).isEqualTo(422);
    assertThat(http.post("/v1/tasks:retry", "{\"queue\":\"bulk\",\"colour\":\"red\"}").status()).isEqualTo(422);
  }
}
