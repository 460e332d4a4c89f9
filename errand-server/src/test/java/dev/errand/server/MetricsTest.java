package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} over HTTP after a known workload through the API and the worker protocol: every
 * counter, timer count and gauge has the value the workload implies.
 */
class MetricsTest {
  private static final String READER = "reader-token-0123456789ab";
  private static final String ADMIN = "admin-token-0123456789abc";

  private final TestServer s = TestServer.sqlite(c -> c.withTokens(Tokens.parse(
      READER + " reader, " + ADMIN + " admin", "test")));
  private final Http admin = s.http.withToken(ADMIN);
  private final Http reader = s.http.withToken(READER);

  @AfterEach
  void stop() {
    s.close();
  }

  private Scrape scrape() {
    Http.Resp r = reader.get("/metrics");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.header("Content-Type")).startsWith("text/plain");
    return Scrape.parse(r.body());
  }

  private String enqueue(String queue, String type, String extra) {
    Http.Resp r = admin.post("/v1/tasks", "{\"type\":\"" + type + "\",\"queue\":\"" + queue + "\"" + extra + "}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json().get("id").asText();
  }

  @Test
  void remoteCompletionsFeedTheListenerWithoutReadingTheTasksBack() {
    for (int i = 0; i < 3; i++) {
      enqueue("remote", "send", "");
    }
    Http.Resp claim = admin.post("/v1/queues/remote/claim", "{\"workerId\":\"worker-a\",\"max\":3}");
    List<JsonNode> tasks = new ArrayList<>();
    claim.json().get("tasks").forEach(tasks::add);
    assertThat(tasks).hasSize(3);
    double readsBefore = scrape().value("errand_store_calls_seconds_count", "op", "get", "outcome", "ok");

    JsonNode single = tasks.get(0);
    assertThat(admin.post("/v1/tasks/" + single.get("id").asText() + "/complete",
        "{\"leaseToken\":\"" + single.get("leaseToken").asText() + "\"}").status()).isEqualTo(204);
    Http.Resp batch = admin.post("/v1/tasks:complete", "{\"completions\":["
        + "{\"id\":\"" + tasks.get(1).get("id").asText() + "\",\"leaseToken\":\"" + tasks.get(1).get("leaseToken").asText() + "\"},"
        + "{\"id\":\"" + tasks.get(2).get("id").asText() + "\",\"leaseToken\":\"" + tasks.get(2).get("leaseToken").asText() + "\",\"result\":2}]}");
    assertThat(batch.status()).as(batch.toString()).isEqualTo(200);

    Scrape m = scrape();
    assertThat(m.value("errand_tasks_succeeded_total", "queue", "remote", "type", "send")).isEqualTo(3);
    assertThat(m.value("errand_task_run_seconds_count", "queue", "remote", "outcome", "succeeded")).isEqualTo(3);
    // One store call per request, and no task read back to time its run.
    assertThat(m.value("errand_store_calls_seconds_count", "op", "complete", "outcome", "ok")).isEqualTo(2);
    assertThat(m.value("errand_store_calls_seconds_count", "op", "get", "outcome", "ok")).isEqualTo(readsBefore);
  }

  @Test
  void countersTimersAndGaugesMatchAKnownWorkload() {
    int n = 7;
    for (int i = 0; i < n; i++) {
      enqueue("mail", "send", ",\"maxAttempts\":3");
    }
    enqueue("mail", "digest", "");
    String cancelled = enqueue("other", "send", ",\"delay\":\"1h\"");
    assertThat(admin.post("/v1/tasks/" + cancelled + "/cancel", null).status()).isEqualTo(200);

    Http.Resp claim = admin.post("/v1/queues/mail/claim", "{\"workerId\":\"worker-a\",\"max\":" + n + "}");
    List<JsonNode> tasks = new ArrayList<>();
    claim.json().get("tasks").forEach(tasks::add);
    assertThat(tasks).hasSize(n).allMatch(t -> t.get("type").asText().equals("send") || t.get("type").asText().equals("digest"));
    int succeeded = 0;
    int retried = 0;
    int dead = 0;
    for (int i = 0; i < tasks.size(); i++) {
      JsonNode t = tasks.get(i);
      String base = "/v1/tasks/" + t.get("id").asText();
      String token = "{\"leaseToken\":\"" + t.get("leaseToken").asText() + "\"";
      Http.Resp r;
      if (i < 4) {
        r = admin.post(base + "/complete", token + ",\"result\":1}");
        succeeded++;
      } else if (i < 6) {
        r = admin.post(base + "/fail", token + ",\"error\":\"boom\\n at x\",\"retryable\":true}");
        retried++;
      } else {
        r = admin.post(base + "/fail", token + ",\"error\":\"bad input\",\"retryable\":false}");
        dead++;
      }
      assertThat(r.status()).as(r.toString()).isEqualTo(204);
    }
    // a second worker only polls: it is alive too
    assertThat(admin.post("/v1/queues/empty/claim", "{\"workerId\":\"worker-b\"}").status()).isEqualTo(200);

    Scrape m = scrape();
    double sendEnq = m.value("errand_tasks_enqueued_total", "queue", "mail", "type", "send");
    assertThat(sendEnq).isEqualTo(n);
    assertThat(m.value("errand_tasks_enqueued_total")).isEqualTo(n + 2);
    assertThat(m.value("errand_tasks_started_total", "queue", "mail")).isEqualTo(n);
    assertThat(m.value("errand_tasks_succeeded_total", "queue", "mail")).isEqualTo(succeeded);
    assertThat(m.value("errand_tasks_retried_total", "queue", "mail")).isEqualTo(retried);
    assertThat(m.value("errand_tasks_dead_total", "queue", "mail")).isEqualTo(dead);
    assertThat(m.value("errand_tasks_cancelled_total", "queue", "other", "type", "send")).isEqualTo(1);
    assertThat(m.value("errand_task_wait_seconds_count", "queue", "mail")).isEqualTo(n);
    assertThat(m.value("errand_task_run_seconds_count", "queue", "mail", "outcome", "succeeded")).isEqualTo(succeeded);
    assertThat(m.value("errand_task_run_seconds_count", "queue", "mail", "outcome", "retried")).isEqualTo(retried);
    assertThat(m.value("errand_task_run_seconds_count", "queue", "mail", "outcome", "dead")).isEqualTo(dead);

    assertThat(m.value("errand_workers_alive")).isEqualTo(2);
    // depth is read from the store at most once per cache period, so it may lag a scrape by that much
    int ok = succeeded;
    int again = retried;
    int gone = dead;
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Scrape g = scrape();
      assertThat(g.value("errand_queue_depth", "queue", "mail", "state", "SUCCEEDED")).isEqualTo(ok);
      assertThat(g.value("errand_queue_depth", "queue", "mail", "state", "RETRYING")).isEqualTo(again);
      assertThat(g.value("errand_queue_depth", "queue", "mail", "state", "DEAD")).isEqualTo(gone);
      assertThat(g.value("errand_queue_depth", "queue", "mail", "state", "READY")).isEqualTo(1);
      assertThat(g.value("errand_queue_depth", "queue", "other", "state", "CANCELLED")).isEqualTo(1);
      assertThat(g.value("errand_tasks_running", "queue", "mail")).isZero();
    });

    assertThat(m.value("errand_store_calls_seconds_count", "op", "insert", "outcome", "ok")).isEqualTo(n + 2);
    assertThat(m.value("errand_store_calls_seconds_count", "op", "complete", "outcome", "ok"))
        .isEqualTo(succeeded + retried + dead);
    assertThat(m.value("errand_store_errors_total")).isZero();
    assertThat(m.has("jvm_memory_used_bytes")).isTrue();
    assertThat(m.has("process_cpu_usage")).isTrue();
    assertThat(m.has("jvm_threads_live_threads")).isTrue();
  }

  @Test
  void runningTasksAreCountedWhileLeased() {
    enqueue("jobs", "job", "");
    enqueue("jobs", "job", "");
    assertThat(admin.post("/v1/queues/jobs/claim", "{\"workerId\":\"w\",\"max\":1}").status()).isEqualTo(200);
    // the depth gauges are cached for a moment so that scrapes cannot hammer the store
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Scrape m = scrape();
      assertThat(m.value("errand_tasks_running", "queue", "jobs")).isEqualTo(1);
      assertThat(m.value("errand_queue_depth", "queue", "jobs", "state", "READY")).isEqualTo(1);
    });
  }

  @Test
  void oldestReadyTaskAgeIsTheWaitOfTheQueuesOldestReadyTask() {
    Instant now = Instant.now();
    enqueue("aged", "job", ",\"runAt\":\"" + now.minusSeconds(600) + "\",\"priority\":0");
    enqueue("aged", "job", ",\"runAt\":\"" + now.minusSeconds(60) + "\",\"priority\":9");
    enqueue("fresh", "job", ",\"delay\":\"1h\"");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Scrape m = scrape();
      assertThat(m.value("errand_queue_oldest_ready_age_seconds", "queue", "aged")).isBetween(600.0, 700.0);
      assertThat(m.value("errand_queue_oldest_ready_age_seconds", "queue", "fresh")).isZero();
    });
    // the claim takes the priority-9 task first: the older one still waits
    assertThat(admin.post("/v1/queues/aged/claim", "{\"workerId\":\"w\",\"max\":1}").json().get("tasks").get(0)
        .get("priority").asInt()).isEqualTo(9);
    assertThat(admin.post("/v1/queues/aged/claim", "{\"workerId\":\"w\",\"max\":1}").status()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(scrape().value("errand_queue_oldest_ready_age_seconds", "queue", "aged")).isZero());
  }

  @Test
  void storeErrorsAreCounted() {
    enqueue("q", "t", "");
    scrape();
    s.store.down(true);
    try {
      assertThat(admin.get("/v1/tasks?queue=q").status()).isEqualTo(503);
      assertThat(admin.post("/v1/tasks", "{\"type\":\"t\"}").status()).isEqualTo(503);
    } finally {
      s.store.down(false);
    }
    Scrape m = scrape();
    assertThat(m.value("errand_store_errors_total", "op", "list")).isEqualTo(1);
    assertThat(m.value("errand_store_errors_total", "op", "insert")).isEqualTo(1);
    assertThat(m.value("errand_store_calls_seconds_count", "op", "insert", "outcome", "error")).isEqualTo(1);
  }

  @Test
  void scrapesNeedAReadingTokenAndAreCheapOnTheStore() {
    assertThat(s.http.get("/metrics").status()).isEqualTo(401);
    enqueue("q", "t", "");
    double before = scrape().value("errand_store_calls_seconds_count", "op", "queues");
    for (int i = 0; i < 20; i++) {
      scrape();
    }
    double after = scrape().value("errand_store_calls_seconds_count", "op", "queues");
    // 21 scrapes within well under the cache time would read the queues once or twice, never 21 times
    assertThat(after - before).isLessThan(5);
  }
}
