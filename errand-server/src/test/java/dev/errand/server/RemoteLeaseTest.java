package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.server.events.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Remote workers' leases over HTTP, on a server whose Errand runs as the server command runs it: a task's
 * timeout holds for them, a lease that runs out is recorded, counted and sent as an event, and the
 * per-worker running counts come back to zero whatever became of each attempt. Each store's test
 * subclasses it.
 */
abstract class RemoteLeaseTest extends ServerOnStoreTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private List<JsonNode> claim(String queue, String worker, int max, int leaseSeconds) {
    Http.Resp r = http.post("/v1/queues/" + queue + "/claim", "{\"workerId\":\"" + worker + "\",\"max\":" + max
        + ",\"leaseSeconds\":" + leaseSeconds + "}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    List<JsonNode> tasks = new ArrayList<>();
    r.json().get("tasks").forEach(tasks::add);
    assertThat(tasks).hasSize(max);
    return tasks;
  }

  private static String token(JsonNode task) {
    return "{\"leaseToken\":\"" + task.get("leaseToken").asText() + "\"";
  }

  private Http.Resp heartbeat(JsonNode task) {
    return http.post("/v1/tasks/" + task.get("id").asText() + "/heartbeat", token(task) + ",\"leaseSeconds\":30}");
  }

  private TaskState state(String id) {
    return s.errand.get(TaskId.of(id)).state();
  }

  @Test
  void heartbeatsPastTheTimeoutAreRefusedAndTheAttemptFailsAsTimedOut() {
    String id = enqueue("slow", ",\"timeout\":\"2s\",\"maxAttempts\":2");
    JsonNode task = claim("slow", "remote-1", 1, 30).getFirst();
    Instant started = Instant.parse(task.get("startedAt").asText());
    assertThat(Instant.parse(task.get("leaseUntil").asText())).as("the lease ends by the timeout and its grace")
        .isBeforeOrEqualTo(started.plusSeconds(3));

    // A worker that keeps heartbeating past the timeout: the first refusal ends its attempt.
    AtomicReference<Http.Resp> refused = new AtomicReference<>();
    await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
      Http.Resp r = heartbeat(task);
      if (r.status() == 200) {
        assertThat(Instant.parse(r.json().get("leaseUntil").asText())).isBeforeOrEqualTo(started.plusSeconds(3));
        return false;
      }
      refused.set(r);
      return true;
    });
    assertThat(refused.get().status()).as(refused.get().toString()).isEqualTo(409);
    assertThat(refused.get().headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
    assertThat(Instant.now()).isAfterOrEqualTo(started.plusSeconds(2));

    await().atMost(WAIT).until(() -> state(id) != TaskState.RUNNING);
    assertThat(state(id)).isIn(TaskState.RETRYING, TaskState.READY);
    Http.Resp read = http.get("/v1/tasks/" + id);
    assertThat(read.json().get("lastError").asText()).isEqualTo("timed out after 2000 ms");
    JsonNode errors = http.get("/v1/tasks/" + id + "/errors").json().get("errors");
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).get("workerId").asText()).isEqualTo("remote-1");
    assertThat(errors.get(0).get("message").asText()).isEqualTo("timed out after 2000 ms");
    Http.Resp late = http.post("/v1/tasks/" + id + "/complete", token(task) + "}");
    assertThat(late.status()).as("a completion after the timeout is stale").isEqualTo(409);

    // The second, last attempt times out too and is dead.
    JsonNode again = claim("slow", "remote-1", 1, 30).getFirst();
    assertThat(again.get("attempt").asInt()).isEqualTo(2);
    await().atMost(WAIT).until(() -> state(id) == TaskState.DEAD);
    assertThat(http.get("/v1/tasks/" + id + "/errors").json().get("errors")).hasSize(2);
  }

  @Test
  void lostLeaseOfARemoteWorkerIsRecordedCountedAndSentAsAnEvent() throws Exception {
    try (Subscription events = s.observability.events().subscribe("lost")) {
      String id = enqueue("lost", ",\"maxAttempts\":3");
      claim("lost", "vanished", 1, 1);

      await().atMost(WAIT).until(() -> state(id) == TaskState.READY);

      JsonNode errors = http.get("/v1/tasks/" + id + "/errors").json().get("errors");
      assertThat(errors).hasSize(1);
      assertThat(errors.get(0).get("message").asText()).isEqualTo("lease expired on worker vanished");
      assertThat(Scrape.parse(s.observability.scrape()).value("errand_tasks_lease_lost_total", "queue", "lost"))
          .isEqualTo(1.0);
      List<JsonNode> seen = new ArrayList<>();
      await().atMost(WAIT).until(() -> {
        byte[] next = events.next(Duration.ofMillis(100));
        if (next != null) {
          seen.add(Http.MAPPER.readTree(new String(next, StandardCharsets.UTF_8)));
        }
        return seen.stream().anyMatch(e -> e.get("kind").asText().equals("lease_lost"));
      });
      JsonNode lost = seen.stream().filter(e -> e.get("kind").asText().equals("lease_lost")).findFirst().orElseThrow();
      assertThat(lost.get("id").asText()).isEqualTo(id);
    }
  }

  @Test
  void everyWorkerShowsNothingRunningAfterADrainWhateverBecameOfItsTasks() {
    String q = "drain";
    for (int i = 0; i < 12; i++) {
      enqueue(q, ",\"maxAttempts\":2");
    }
    // One worker succeeds, singly and in a batch; one fails, retryably and not; one vanishes with two.
    List<JsonNode> ok = claim(q, "w-ok", 4, 30);
    List<JsonNode> failing = claim(q, "w-fail", 3, 30);
    claim(q, "w-lost", 2, 1);
    http.post("/v1/tasks/" + ok.get(0).get("id").asText() + "/complete", token(ok.get(0)) + "}");
    StringBuilder batch = new StringBuilder("{\"completions\":[");
    for (int i = 1; i < ok.size(); i++) {
      batch.append(i > 1 ? "," : "").append("{\"id\":\"").append(ok.get(i).get("id").asText()).append("\",")
          .append(token(ok.get(i)).substring(1)).append("}");
    }
    assertThat(http.post("/v1/tasks:complete", batch.append("]}").toString()).status()).isEqualTo(200);
    for (int i = 0; i < failing.size(); i++) {
      JsonNode t = failing.get(i);
      assertThat(http.post("/v1/tasks/" + t.get("id").asText() + "/fail", token(t)
          + ",\"error\":\"boom\",\"retryable\":" + (i % 2 == 0) + "}").status()).isEqualTo(204);
    }
    assertThat(running()).containsEntry("w-ok", 0).containsEntry("w-fail", 0).containsEntry("w-lost", 2);

    // The rest, including the retries and the lost leases once swept, drained by one worker.
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
      Http.Resp r = http.post("/v1/queues/" + q + "/claim", "{\"workerId\":\"w-ok\",\"max\":10,\"leaseSeconds\":30}");
      for (JsonNode t : r.json().get("tasks")) {
        http.post("/v1/tasks/" + t.get("id").asText() + "/complete", token(t) + "}");
      }
      return s.errand.queues().stream().filter(info -> info.queue().equals(q)).allMatch(info ->
          info.count(TaskState.READY) + info.count(TaskState.RUNNING) + info.count(TaskState.RETRYING)
              + info.count(TaskState.SCHEDULED) == 0);
    });

    assertThat(running()).as("per-worker running counts after the drain")
        .isEqualTo(Map.of("w-ok", 0, "w-fail", 0, "w-lost", 0));
  }

  /** Each live worker's running count, as /v1/stats shows it. */
  private Map<String, Integer> running() {
    Map<String, Integer> out = new HashMap<>();
    for (JsonNode w : http.get("/v1/stats").json().get("workers")) {
      out.put(w.get("workerId").asText(), w.get("running").asInt());
    }
    return out;
  }
}
