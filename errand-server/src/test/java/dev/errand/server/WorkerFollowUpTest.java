package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A remote worker's completion may enqueue tasks ({@code "enqueue": [task, ...]}): they are written with
 * the success and under its lease, so a stale completion enqueues nothing, and each is checked as the body
 * of POST /v1/tasks is, a bad one a 422 naming {@code enqueue[i].field} that completes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerFollowUpTest {
  private final TestServer s = TestServer.sqlite();
  private final Http http = s.http;
  private final AtomicInteger queues = new AtomicInteger();

  @AfterAll
  void stop() {
    s.close();
  }

  private String queue() {
    return "f" + queues.incrementAndGet();
  }

  private JsonNode claimed(String q) {
    Http.Resp r = http.post("/v1/tasks", "{\"type\":\"job\",\"queue\":\"" + q + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    Http.Resp c = http.post("/v1/queues/" + q + "/claim", "{\"workerId\":\"worker-1\",\"max\":1,\"leaseSeconds\":30}");
    assertThat(c.json().get("tasks")).as(c.toString()).hasSize(1);
    return c.json().get("tasks").get(0);
  }

  private Http.Resp complete(JsonNode t, String token, String enqueue) {
    return http.post("/v1/tasks/" + t.get("id").asText() + "/complete",
        "{\"leaseToken\":\"" + token + "\",\"enqueue\":[" + enqueue + "]}");
  }

  private TaskState state(String id) {
    return s.errand.store().get(TaskId.of(id)).map(t -> t.state()).orElse(null);
  }

  @Test
  void completionEnqueuesItsTasksWithTheSuccess() {
    String q = queue();
    JsonNode t = claimed(q);

    Http.Resp r = complete(t, t.get("leaseToken").asText(),
        "{\"type\":\"next\",\"queue\":\"" + q + "-next\",\"id\":\"" + q + "-a\",\"payload\":{\"n\":1}},"
            + "{\"type\":\"next\",\"queue\":\"" + q + "-next\",\"id\":\"" + q + "-b\",\"delay\":\"1h\"}");

    assertThat(r.status()).as(r.toString()).isEqualTo(204);
    assertThat(state(t.get("id").asText())).isEqualTo(TaskState.SUCCEEDED);
    assertThat(state(q + "-a")).isEqualTo(TaskState.READY);
    assertThat(state(q + "-b")).isEqualTo(TaskState.SCHEDULED);
    assertThat(s.errand.get(TaskId.of(q + "-a")).payload().asString()).isEqualTo("{\"n\":1}");
  }

  @Test
  void staleCompletionIs409AndEnqueuesNothing() {
    String q = queue();
    JsonNode t = claimed(q);

    Http.Resp r = complete(t, "not-the-token", "{\"type\":\"next\",\"id\":\"" + q + "-stale\"}");

    assertThat(r.status()).as(r.toString()).isEqualTo(409);
    assertThat(state(q + "-stale")).isNull();
    assertThat(state(t.get("id").asText())).isEqualTo(TaskState.RUNNING);
  }

  @Test
  void badTaskToEnqueueIs422NamingItsFieldAndCompletesNothing() {
    String q = queue();
    JsonNode t = claimed(q);
    String token = t.get("leaseToken").asText();
    String good = "{\"type\":\"next\",\"id\":\"" + q + "-good\"}";
    String[][] cases = {
        {good + ",{\"queue\":\"" + q + "\"}", "enqueue[1].type"},
        {good + ",{\"type\":\"Bad Type\"}", "enqueue[1].type"},
        {"{\"type\":\"next\",\"priority\":12}," + good, "enqueue[0].priority"},
        {good + ",{\"type\":\"next\",\"delay\":\"soon\"}", "enqueue[1].delay"},
        {good + ",{\"type\":\"next\",\"colour\":\"red\"}", "enqueue[1].colour"},
        {good + ",7", "enqueue[1]"},
    };
    List<String> failures = new ArrayList<>();
    for (String[] c : cases) {
      Http.Resp r = complete(t, token, c[0]);
      assertThat(r.status()).as(c[1] + ": " + r).isEqualTo(422);
      failures.add(r.json().get("errors").get(0).get("field").asText());
    }
    assertThat(failures).containsExactly(cases[0][1], cases[1][1], cases[2][1], cases[3][1], cases[4][1], cases[5][1]);
    assertThat(state(t.get("id").asText())).isEqualTo(TaskState.RUNNING);
    assertThat(state(q + "-good")).isNull();
  }

  @Test
  void batchCompletionEnqueuesEachElementsTasksAndNamesABadOne() {
    String q = queue();
    JsonNode t = claimed(q);
    String item = "{\"id\":\"" + t.get("id").asText() + "\",\"leaseToken\":\"" + t.get("leaseToken").asText()
        + "\",\"enqueue\":[%s]}";

    Http.Resp bad = http.post("/v1/tasks:complete",
        "{\"completions\":[" + item.formatted("{\"type\":\"next\",\"maxAttempts\":0}") + "]}");
    assertThat(bad.status()).as(bad.toString()).isEqualTo(422);
    assertThat(bad.json().get("errors").get(0).get("field").asText()).isEqualTo("completions[0].enqueue[0].maxAttempts");
    assertThat(state(t.get("id").asText())).isEqualTo(TaskState.RUNNING);

    Http.Resp ok = http.post("/v1/tasks:complete",
        "{\"completions\":[" + item.formatted("{\"type\":\"next\",\"id\":\"" + q + "-batch\"}") + "]}");
    assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    assertThat(ok.json().get("results").get(0).get("status").asText()).isEqualTo("completed");
    assertThat(state(q + "-batch")).isEqualTo(TaskState.READY);
  }
}
