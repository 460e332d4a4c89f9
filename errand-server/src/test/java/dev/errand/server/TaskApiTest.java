package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** End to end over HTTP: enqueue, read, list, cancel, replay, batch, queues and the dead-letter queue. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TaskApiTest {
  private final TestServer s = TestServer.sqlite();
  private final Http http = s.http;
  private final AtomicInteger queues = new AtomicInteger();

  @AfterAll
  void stop() {
    s.close();
  }

  /** A queue of its own for each test, since the server is shared. */
  private String queue() {
    return "q" + queues.incrementAndGet();
  }

  @Test
  void enqueueAnswers201WithTheTaskAndKeepsThePayloadBytesAsSent() {
    String q = queue();
    String payload = "{ \"to\" : \"a@example.com\",\"n\":1.50, \"deep\":[1, {\"x\":null}] }";
    Http.Resp r = http.post("/v1/tasks", "{\"type\":\"send_email\",\"queue\":\"" + q + "\",\"payload\":" + payload
        + ",\"priority\":7,\"maxAttempts\":3,\"timeout\":\"1m\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    JsonNode t = r.json();
    assertThat(t.get("id").asText()).isNotBlank();
    assertThat(r.header("Location")).isEqualTo("/v1/tasks/" + t.get("id").asText());
    assertThat(t.get("queue").asText()).isEqualTo(q);
    assertThat(t.get("type").asText()).isEqualTo("send_email");
    assertThat(t.get("priority").asInt()).isEqualTo(7);
    assertThat(t.get("state").asText()).isEqualTo("READY");
    assertThat(t.get("attempt").asInt()).isZero();
    assertThat(t.get("maxAttempts").asInt()).isEqualTo(3);
    assertThat(t.get("createdAt").asText()).isNotBlank();
    assertThat(t.get("runAt").asText()).isNotBlank();
    assertThat(t.get("startedAt").isNull()).isTrue();
    assertThat(t.get("finishedAt").isNull()).isTrue();
    assertThat(t.get("result").isNull()).isTrue();
    assertThat(t.get("lastError").isNull()).isTrue();
    assertThat(r.body()).contains("\"payload\":" + payload + ",");
    assertThat(s.errand.get(TaskId.of(t.get("id").asText())).payload().asString()).isEqualTo(payload);

    Http.Resp got = http.get("/v1/tasks/" + t.get("id").asText());
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.body()).isEqualTo(r.body());
  }

  @Test
  void scalarPayloadsAndAMissingPayloadAreKeptExactly() {
    for (String payload : List.of("\"text\"", "12.50", "true", "null", "[]", "-0")) {
      Http.Resp r = http.post("/v1/tasks", "{\"payload\":" + payload + " ,\"type\":\"t\",\"queue\":\"" + queue() + "\"}");
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      assertThat(s.errand.get(TaskId.of(r.json().get("id").asText())).payload().asString()).isEqualTo(payload);
    }
    Http.Resp none = http.post("/v1/tasks", "{\"type\":\"t\"}");
    assertThat(none.status()).isEqualTo(201);
    assertThat(none.json().get("payload").isNull()).isTrue();
  }

  @Test
  void delayAndRunAtScheduleTheTask() {
    Http.Resp delayed = http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + queue() + "\",\"delay\":\"1h\"}");
    assertThat(delayed.status()).isEqualTo(201);
    assertThat(delayed.json().get("state").asText()).isEqualTo("SCHEDULED");
    Http.Resp iso = http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + queue() + "\",\"delay\":\"PT30S\"}");
    assertThat(iso.json().get("state").asText()).isEqualTo("SCHEDULED");
    Http.Resp ms = http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + queue() + "\",\"delay\":\"250ms\"}");
    assertThat(ms.status()).isEqualTo(201);
    Http.Resp at = http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + queue() + "\",\"runAt\":\"2100-01-01T00:00:00+02:00\"}");
    assertThat(at.status()).isEqualTo(201);
    assertThat(at.json().get("runAt").asText()).isEqualTo("2099-12-31T22:00:00Z");
  }

  @Test
  void idempotencyKeyRepeatReturns200WithTheFirstTaskAndADifferentBodyIs422() {
    String q = queue();
    String body = "{\"type\":\"t\",\"queue\":\"" + q + "\",\"payload\":{\"a\":1}}";
    Http.Resp first = http.send("POST", "/v1/tasks", bytes(body), "Idempotency-Key", "order-1");
    assertThat(first.status()).isEqualTo(201);
    Http.Resp again = http.send("POST", "/v1/tasks", bytes(body), "Idempotency-Key", "order-1");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().get("id")).isEqualTo(first.json().get("id"));
    Http.Resp viaField = http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + q
        + "\",\"payload\":{\"a\":1},\"idempotencyKey\":\"order-1\"}");
    assertThat(viaField.status()).isEqualTo(200);
    assertThat(viaField.json().get("id")).isEqualTo(first.json().get("id"));

    Http.Resp different = http.send("POST", "/v1/tasks",
        bytes("{\"type\":\"t\",\"queue\":\"" + q + "\",\"payload\":{\"a\":2}}"), "Idempotency-Key", "order-1");
    assertThat(different.status()).isEqualTo(422);
    assertThat(different.header("Content-Type")).startsWith("application/problem+json");
    assertThat(different.json().get("errors").get(0).get("field").asText()).isEqualTo("idempotencyKey");
    assertThat(s.errand.list(new dev.errand.core.spi.TaskQuery(q, null, null, 10, null)).tasks()).hasSize(1);

    Http.Resp mismatch = http.send("POST", "/v1/tasks", bytes("{\"type\":\"t\",\"idempotencyKey\":\"x\"}"),
        "Idempotency-Key", "y");
    assertThat(mismatch.status()).isEqualTo(422);
  }

  @Test
  void clientNamedIdsAreIdempotentAndAClashIs409() {
    String q = queue();
    String id = "order-" + q;
    Http.Resp first = http.post("/v1/tasks", "{\"id\":\"" + id + "\",\"type\":\"t\",\"queue\":\"" + q + "\"}");
    assertThat(first.status()).isEqualTo(201);
    assertThat(first.json().get("id").asText()).isEqualTo(id);
    assertThat(http.post("/v1/tasks", "{\"id\":\"" + id + "\",\"type\":\"t\",\"queue\":\"" + q + "\"}").status())
        .isEqualTo(200);
    Http.Resp clash = http.post("/v1/tasks", "{\"id\":\"" + id + "\",\"type\":\"other\",\"queue\":\"" + q + "\"}");
    assertThat(clash.status()).as(clash.toString()).isEqualTo(409);
    assertThat(http.get("/v1/tasks/" + id).json().get("type").asText()).isEqualTo("t");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "{\"type\":\"t\",\"colour\":\"red\"}|colour",
      "{\"payload\":1}|type",
      "{\"type\":null}|type",
      "{\"type\":5}|type",
      "{\"type\":\"Bad Type\"}|type",
      "{\"type\":\"t\",\"queue\":\"UPPER\"}|queue",
      "{\"type\":\"t\",\"queue\":\"\"}|queue",
      "{\"type\":\"t\",\"queue\":7}|queue",
      "{\"type\":\"t\",\"priority\":10}|priority",
      "{\"type\":\"t\",\"priority\":-1}|priority",
      "{\"type\":\"t\",\"priority\":\"5\"}|priority",
      "{\"type\":\"t\",\"priority\":5.0}|priority",
      "{\"type\":\"t\",\"priority\":99999999999999999999999}|priority",
      "{\"type\":\"t\",\"priority\":true}|priority",
      "{\"type\":\"t\",\"delay\":\"-5s\"}|delay",
      "{\"type\":\"t\",\"delay\":\"PT-5S\"}|delay",
      "{\"type\":\"t\",\"delay\":\"5 parsecs\"}|delay",
      "{\"type\":\"t\",\"delay\":30}|delay",
      "{\"type\":\"t\",\"delay\":\"999999d\"}|delay",
      "{\"type\":\"t\",\"timeout\":\"0s\"}|timeout",
      "{\"type\":\"t\",\"runAt\":\"tomorrow\"}|runAt",
      "{\"type\":\"t\",\"runAt\":\"2030-01-01T00:00:00\"}|runAt",
      "{\"type\":\"t\",\"runAt\":\"+999999999-12-31T23:59:59Z\"}|runAt",
      "{\"type\":\"t\",\"delay\":\"1s\",\"runAt\":\"2030-01-01T00:00:00Z\"}|runAt",
      "{\"type\":\"t\",\"maxAttempts\":0}|maxAttempts",
      "{\"type\":\"t\",\"idempotencyKey\":\"\"}|idempotencyKey",
      "{\"type\":\"t\",\"id\":\"not an id!\"}|id",
      "{\"type\":\"t\",\"type\":\"u\"}|type",
  })
  void invalidFieldsAre422NamingTheField(String body, String field) {
    String before = s.snapshot();
    Http.Resp r = http.post("/v1/tasks", body);
    assertThat(r.status()).as(r.toString()).isEqualTo(422);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    JsonNode p = r.json();
    assertThat(p.get("status").asInt()).isEqualTo(422);
    assertThat(p.get("title").asText()).isNotBlank();
    List<String> fields = new ArrayList<>();
    p.get("errors").forEach(e -> fields.add(e.get("field").asText()));
    assertThat(fields).contains(field);
    assertThat(s.snapshot()).isEqualTo(before);
  }

  @Test
  void everyErrorOfARequestIsListed() {
    Http.Resp r = http.post("/v1/tasks", "{\"queue\":\"BAD\",\"priority\":42,\"delay\":\"-1s\",\"x\":1}");
    assertThat(r.status()).isEqualTo(422);
    List<String> fields = new ArrayList<>();
    r.json().get("errors").forEach(e -> fields.add(e.get("field").asText()));
    assertThat(fields).containsExactlyInAnyOrder("x", "type", "queue", "priority", "delay");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"{", "{\"type\":}", "not json", "{\"type\":\"t\"} {}", "''", "{\"type\":\"t\",}"})
  void malformedJsonIs400(String body) {
    Http.Resp r = http.post("/v1/tasks", body);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
  }

  @Test
  void aBodyThatIsNotAnObjectIs422() {
    assertThat(http.post("/v1/tasks", "[1,2]").status()).isEqualTo(422);
    assertThat(http.post("/v1/tasks", "\"x\"").status()).isEqualTo(422);
  }

  @Test
  void invalidUtf8Is400() {
    byte[] body = {'{', '"', 't', 'y', 'p', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    assertThat(http.send("POST", "/v1/tasks", body).status()).isEqualTo(400);
  }

  @Test
  void payloadOverTheLimitIs413() {
    String before = s.snapshot();
    String big = "\"" + "x".repeat(1 << 20) + "\"";
    Http.Resp r = http.post("/v1/tasks", "{\"type\":\"t\",\"payload\":" + big + "}");
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("payload");
    Http.Resp huge = http.post("/v1/tasks", "{\"type\":\"t\",\"payload\":\"" + "y".repeat(3 << 20) + "\"}");
    assertThat(huge.status()).isEqualTo(413);
    assertThat(s.snapshot()).isEqualTo(before);
  }

  @Test
  void bodyOverTheLimitWithoutContentLengthIs413() {
    byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8);
    java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(http.base() + "/v1/tasks"))
        .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.SequenceInputStream(
            java.util.Collections.enumeration(java.util.Collections.nCopies(40, chunk).stream()
                .map(java.io.ByteArrayInputStream::new).toList())))).build();
    Http.Resp r = http.send(request);
    assertThat(r.status()).isEqualTo(413);
  }

  @Test
  void unknownTaskIs404AndImpossibleIdIs404() {
    Http.Resp r = http.get("/v1/tasks/0190d0c0-0000-7000-8000-000000000000");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    assertThat(http.get("/v1/tasks/%20bad%20").status()).isEqualTo(404);
    assertThat(http.get("/v1/nothing-here").status()).isEqualTo(404);
  }

  @Test
  void wrongMethodOnAKnownPathIs405() {
    Http.Resp r = http.send("PUT", "/v1/tasks", bytes("{}"));
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    assertThat(r.header("Allow")).contains("GET").contains("POST");
    assertThat(http.delete("/v1/queues").status()).isEqualTo(405);
    assertThat(http.get("/v1/tasks:batch").status()).isEqualTo(405);
  }

  @Test
  void errorsJettyRaisesItselfAreProblemsToo() {
    Http.Resp r = http.send("GET", "/v1/queues", null, "X-Big", "v".repeat(40_000));
    assertThat(r.status()).isEqualTo(431);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    assertThat(r.json().get("status").asInt()).isEqualTo(431);
    Http.Resp longUri = http.get("/v1/tasks/" + "x".repeat(20_000));
    assertThat(longUri.status()).isEqualTo(414);
    assertThat(longUri.header("Content-Type")).startsWith("application/problem+json");
  }

  @Test
  void listPagesNewestFirstWithFilters() {
    String q = queue();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      ids.add(http.post("/v1/tasks", "{\"type\":\"" + (i % 2 == 0 ? "even" : "odd") + "\",\"queue\":\"" + q + "\"}")
          .json().get("id").asText());
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      Http.Resp page = http.get("/v1/tasks?queue=" + q + "&limit=3" + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(page.status()).isEqualTo(200);
      page.json().get("tasks").forEach(t -> seen.add(t.get("id").asText()));
      cursor = page.json().get("next").isNull() ? null : page.json().get("next").asText();
    } while (cursor != null);
    assertThat(seen).containsExactlyElementsOf(ids.reversed());

    Http.Resp odd = http.get("/v1/tasks?queue=" + q + "&type=odd&state=ready");
    assertThat(odd.json().get("tasks")).hasSize(3);
    assertThat(http.get("/v1/tasks?queue=" + q + "&state=DEAD").json().get("tasks")).isEmpty();
  }

  @Test
  void listFiltersByCreationTime() throws Exception {
    String q = queue();
    String first = http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + q + "\"}").json().get("id").asText();
    Instant between = createdAt(first).plusNanos(1000);
    Thread.sleep(5);
    String second = http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + q + "\"}").json().get("id").asText();
    assertThat(createdAt(second)).isAfter(between);

    assertThat(ids("/v1/tasks?queue=" + q + "&created_before=" + between)).containsExactly(first);
    assertThat(ids("/v1/tasks?queue=" + q + "&created_after=" + between)).containsExactly(second);
    assertThat(ids("/v1/tasks?queue=" + q + "&created_after=" + createdAt(first) + "&created_before="
        + createdAt(second).plusSeconds(1).atOffset(ZoneOffset.ofHours(2)).toString().replace("+", "%2B")))
        .as("any offset").containsExactly(second, first);
  }

  private Instant createdAt(String id) {
    return Instant.parse(http.get("/v1/tasks/" + id).json().get("createdAt").asText());
  }

  private List<String> ids(String path) {
    Http.Resp r = http.get(path);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    r.json().get("tasks").forEach(t -> ids.add(t.get("id").asText()));
    return ids;
  }

  @Test
  void errorHistoryListsEveryFailedAttemptOldestFirst() {
    String q = queue();
    String id = http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + q + "\",\"maxAttempts\":2}").json()
        .get("id").asText();
    assertThat(http.get("/v1/tasks/" + id + "/errors").json().get("errors")).isEmpty();
    fail(claim(q, "w"), "timeout talking to smtp\n\tat Mailer.send(Mailer.java:42)");
    // the retry's backoff passes, then a second worker takes it and fails it for good
    AtomicReference<JsonNode> second = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
      JsonNode tasks = http.post("/v1/queues/" + q + "/claim", "{\"workerId\":\"w2\"}").json().get("tasks");
      return tasks.size() == 1 && second.compareAndSet(null, tasks.get(0));
    });
    fail(second.get(), "mailbox full");

    Http.Resp r = http.get("/v1/tasks/" + id + "/errors");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonNode errors = r.json().get("errors");
    assertThat(errors).hasSize(2);
    assertThat(errors.get(0).get("attempt").asInt()).isEqualTo(1);
    assertThat(errors.get(0).get("workerId").asText()).isEqualTo("w");
    assertThat(errors.get(0).get("message").asText()).isEqualTo("timeout talking to smtp");
    assertThat(errors.get(0).get("error").asText()).isEqualTo("timeout talking to smtp\n\tat Mailer.send(Mailer.java:42)");
    assertThat(errors.get(1).get("attempt").asInt()).isEqualTo(2);
    assertThat(errors.get(1).get("workerId").asText()).isEqualTo("w2");
    assertThat(errors.get(1).get("error").asText()).isEqualTo("mailbox full");
    assertThat(Instant.parse(errors.get(1).get("at").asText())).isAfterOrEqualTo(Instant.parse(errors.get(0).get("at").asText()));
    assertThat(http.get("/v1/tasks/" + id).json().get("state").asText()).isEqualTo("DEAD");
    assertThat(http.get("/v1/tasks/0190d0c0-0000-7000-8000-000000000009/errors").status()).isEqualTo(404);
    assertThat(http.get("/v1/tasks/" + id + "/errors?colour=red").status()).isEqualTo(422);
  }

  private JsonNode claim(String q, String worker) {
    return http.post("/v1/queues/" + q + "/claim", "{\"workerId\":\"" + worker + "\"}").json().get("tasks").get(0);
  }

  /** Fails a claimed task with {@code error}, retryable (it goes DEAD on its last attempt). */
  private void fail(JsonNode claimed, String error) {
    Http.Resp r = http.post("/v1/tasks/" + claimed.get("id").asText() + "/fail", "{\"leaseToken\":\""
        + claimed.get("leaseToken").asText() + "\",\"error\":" + Http.MAPPER.valueToTree(error) + ",\"retryable\":true}");
    assertThat(r.status()).as(r.toString()).isEqualTo(204);
  }

  @ParameterizedTest
  @CsvSource({"state=NOPE,state", "limit=0,limit", "limit=abc,limit", "limit=1001,limit", "cursor=%20x,cursor",
      "queue=BAD,queue", "colour=red,colour", "created_after=yesterday,created_after",
      "created_before=2030-01-01,created_before",
      "created_after=2030-01-01T00:00:00Z&created_before=2029-01-01T00:00:00Z,created_before"})
  void badListParametersAre422(String query, String field) {
    Http.Resp r = http.get("/v1/tasks?" + query);
    assertThat(r.status()).as(r.toString()).isEqualTo(422);
    assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo(field);
  }

  @Test
  void cancelStopsAPendingTaskAndRefusesAFinishedOne() {
    String id = http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + queue() + "\",\"delay\":\"1h\"}").json().get("id").asText();
    Http.Resp r = http.post("/v1/tasks/" + id + "/cancel", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("state").asText()).isEqualTo("CANCELLED");
    assertThat(http.post("/v1/tasks/" + id + "/cancel", null).status()).isEqualTo(200);
    assertThat(http.post("/v1/tasks/0190d0c0-0000-7000-8000-000000000001/cancel", null).status()).isEqualTo(404);

    String q = queue();
    String done = http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + q + "\"}").json().get("id").asText();
    JsonNode claimed = http.post("/v1/queues/" + q + "/claim", "{\"workerId\":\"w\"}").json().get("tasks").get(0);
    http.post("/v1/tasks/" + done + "/complete", "{\"leaseToken\":\"" + claimed.get("leaseToken").asText() + "\"}");
    assertThat(http.post("/v1/tasks/" + done + "/cancel", null).status()).isEqualTo(409);
  }

  @Test
  void deadTasksCanBeListedReplayedAndPurged() {
    String q = queue();
    String a = deadTask(q);
    String b = deadTask(q);
    assertThat(http.get("/v1/tasks?state=DEAD&queue=" + q).json().get("tasks")).hasSize(2);

    Http.Resp replayed = http.post("/v1/tasks/" + a + "/replay", null);
    assertThat(replayed.status()).as(replayed.toString()).isEqualTo(200);
    assertThat(replayed.json().get("state").asText()).isEqualTo("READY");
    assertThat(replayed.json().get("attempt").asInt()).isZero();
    assertThat(http.post("/v1/tasks/" + a + "/replay", null).status()).isEqualTo(409);
    assertThat(http.post("/v1/tasks/0190d0c0-0000-7000-8000-000000000002/replay", null).status()).isEqualTo(404);

    assertThat(http.post("/v1/tasks/" + a + "/cancel", null).status()).isEqualTo(200); // out of the next claim's way
    String c = deadTask(q);
    Http.Resp bulk = http.post("/v1/dead/replay?queue=" + q, null);
    assertThat(bulk.json().get("replayed").asInt()).isEqualTo(2);
    assertThat(s.errand.get(TaskId.of(c)).state()).isEqualTo(TaskState.READY);

    String q2 = queue();
    String d = deadTask(q2);
    Http.Resp purged = http.delete("/v1/dead?queue=" + q2);
    assertThat(purged.status()).isEqualTo(200);
    assertThat(purged.json().get("purged").asInt()).isEqualTo(1);
    assertThat(http.get("/v1/tasks/" + d).status()).isEqualTo(404);
    assertThat(http.get("/v1/tasks/" + b).status()).isEqualTo(200);
    assertThat(http.delete("/v1/dead?queue=NOPE!").status()).isEqualTo(422);
  }

  /** Found by the fuzz test: a bogus charset once made the query look empty, so a purge touched everything. */
  @Test
  void aBogusCharsetCannotHideQueryParameters() {
    String q = queue();
    String dead = deadTask(q);
    String before = s.snapshot();
    Http.Resp r = http.send("DELETE", "/v1/dead?queue=BAD&colour=red", null, "Content-Type", "application/json; charset=nonsense");
    assertThat(r.status()).as(r.toString()).isEqualTo(422);
    assertThat(http.send("POST", "/v1/dead/replay?x=y", null, "Content-Type", "text/plain; charset=latin1x").status())
        .isEqualTo(422);
    assertThat(s.snapshot()).isEqualTo(before);
    assertThat(http.get("/v1/tasks/" + dead).json().get("state").asText()).isEqualTo("DEAD");
  }

  /** Enqueues a task to {@code q} alone and fails it without retry, through the worker protocol. */
  private String deadTask(String q) {
    String id = http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + q + "\",\"priority\":9}").json().get("id").asText();
    JsonNode claimed = http.post("/v1/queues/" + q + "/claim", "{\"workerId\":\"w\",\"max\":1}").json().get("tasks").get(0);
    assertThat(claimed.get("id").asText()).isEqualTo(id);
    Http.Resp failed = http.post("/v1/tasks/" + id + "/fail", "{\"leaseToken\":\"" + claimed.get("leaseToken").asText()
        + "\",\"error\":\"boom\",\"retryable\":false}");
    assertThat(failed.status()).isEqualTo(204);
    return id;
  }

  @Test
  void batchEnqueuesEverythingInOneCall() {
    String q = queue();
    StringBuilder body = new StringBuilder("{\"tasks\":[");
    for (int i = 0; i < 20; i++) {
      body.append(i == 0 ? "" : ",").append("{\"type\":\"t\",\"queue\":\"").append(q).append("\",\"payload\":").append(i).append('}');
    }
    Http.Resp r = http.post("/v1/tasks:batch", body.append("]}").toString());
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    Set<String> ids = new HashSet<>();
    r.json().get("results").forEach(x -> {
      assertThat(x.get("status").asText()).isEqualTo("created");
      ids.add(x.get("task").get("id").asText());
    });
    assertThat(ids).hasSize(20);
    assertThat(r.json().get("results").get(13).get("task").get("payload").asInt()).isEqualTo(13);
  }

  @Test
  void batchWithOneInvalidItemWritesNothingAndNamesTheItem() {
    String q = queue();
    String before = s.snapshot();
    StringBuilder body = new StringBuilder("{\"tasks\":[");
    for (int i = 0; i < 5; i++) {
      body.append(i == 0 ? "" : ",").append("{\"type\":\"t\",\"queue\":\"").append(q).append("\",\"priority\":")
          .append(i == 3 ? 12 : 1).append('}');
    }
    Http.Resp r = http.post("/v1/tasks:batch", body.append("]}").toString());
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("tasks[3].priority");
    assertThat(s.snapshot()).isEqualTo(before);
    assertThat(http.post("/v1/tasks:batch", "{\"tasks\":[]}").status()).isEqualTo(422);
    assertThat(http.post("/v1/tasks:batch", "{}").status()).isEqualTo(422);
    assertThat(http.post("/v1/tasks:batch", "{\"tasks\":[1]}").json().get("errors").get(0).get("field").asText())
        .isEqualTo("tasks[0]");
    assertThat(s.snapshot()).isEqualTo(before);
  }

  @Test
  void batchItemsClashingWithEachOtherAreRefusedTogether() {
    String q = queue();
    String before = s.snapshot();
    Http.Resp r = http.post("/v1/tasks:batch", "{\"tasks\":[{\"type\":\"t\",\"queue\":\"" + q
        + "\",\"idempotencyKey\":\"k\",\"payload\":1},{\"type\":\"t\",\"queue\":\"" + q
        + "\",\"idempotencyKey\":\"k\",\"payload\":2}]}");
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("tasks[1].idempotencyKey");
    assertThat(s.snapshot()).isEqualTo(before);

    Http.Resp same = http.post("/v1/tasks:batch", "{\"tasks\":[{\"type\":\"t\",\"queue\":\"" + q
        + "\",\"idempotencyKey\":\"k\"},{\"type\":\"t\",\"queue\":\"" + q + "\",\"idempotencyKey\":\"k\"}]}");
    assertThat(same.status()).isEqualTo(201);
    assertThat(same.json().get("results").get(0).get("task").get("id"))
        .isEqualTo(same.json().get("results").get(1).get("task").get("id"));
    Http.Resp conflict = http.post("/v1/tasks:batch", "{\"tasks\":[{\"type\":\"t\",\"queue\":\"" + q
        + "\"},{\"type\":\"t\",\"queue\":\"" + q + "\",\"idempotencyKey\":\"k\",\"payload\":3}]}");
    assertThat(conflict.status()).isEqualTo(201);
    assertThat(conflict.json().get("results").get(0).get("status").asText()).isEqualTo("created");
    assertThat(conflict.json().get("results").get(1).get("status").asText()).isEqualTo("conflict");
  }

  @Test
  void batchBodyOverItsLimitIs413() {
    String item = "{\"type\":\"t\",\"payload\":\"" + "x".repeat(1000 * 1000) + "\"}";
    String body = "{\"tasks\":[" + String.join(",", java.util.Collections.nCopies(17, item)) + "]}";
    assertThat(http.post("/v1/tasks:batch", body).status()).isEqualTo(413);
  }

  @Test
  void queuesShowCountsAndPauseStopsClaims() {
    String q = queue();
    http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + q + "\"}");
    http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + q + "\",\"delay\":\"1h\"}");
    assertThat(http.post("/v1/queues/" + q + "/pause", null).json().get("paused").asBoolean()).isTrue();
    JsonNode info = queueInfo(q);
    assertThat(info.get("paused").asBoolean()).isTrue();
    assertThat(info.get("counts").get("READY").asInt()).isEqualTo(1);
    assertThat(info.get("counts").get("SCHEDULED").asInt()).isEqualTo(1);
    assertThat(info.get("total").asInt()).isEqualTo(2);
    assertThat(info.get("lowerBounds")).isEmpty();
    Instant readyAt = Instant.parse(info.get("oldestReadyAt").asText());
    assertThat(readyAt).isBeforeOrEqualTo(Instant.now());
    assertThat(info.get("oldestReadyAgeSeconds").asDouble()).isGreaterThanOrEqualTo(0).isLessThan(60);
    assertThat(http.post("/v1/queues/" + q + "/claim", "{\"workerId\":\"w\"}").json().get("tasks")).isEmpty();
    assertThat(http.post("/v1/queues/" + q + "/resume", null).json().get("paused").asBoolean()).isFalse();
    assertThat(queueInfo(q).get("paused").asBoolean()).isFalse();
    assertThat(http.post("/v1/queues/" + q + "/claim", "{\"workerId\":\"w\"}").json().get("tasks")).hasSize(1);
    assertThat(queueInfo(q).get("oldestReadyAt").isNull()).as("the delayed task is not due").isTrue();
    assertThat(http.post("/v1/queues/Not%20A%20Queue/pause", null).status()).isEqualTo(422);
  }

  @Test
  void queueLimitsAreSetShownEnforcedAndCleared() {
    String q = queue();
    for (int i = 0; i < 4; i++) {
      http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + q + "\"}");
    }
    Http.Resp set = http.put("/v1/queues/" + q + "/limits", "{\"maxRunning\":2,\"ratePerSecond\":2.5,\"burst\":10}");
    assertThat(set.status()).isEqualTo(200);
    assertThat(set.json().get("limits").get("maxRunning").asInt()).isEqualTo(2);
    JsonNode limits = queueInfo(q).get("limits");
    assertThat(limits.get("maxRunning").asInt()).isEqualTo(2);
    assertThat(limits.get("ratePerSecond").asDouble()).isEqualTo(2.5);
    assertThat(limits.get("burst").asInt()).isEqualTo(10);
    assertThat(http.post("/v1/queues/" + q + "/claim", "{\"workerId\":\"w\",\"max\":10}").json().get("tasks"))
        .as("the cap holds over HTTP too").hasSize(2);

    assertThat(http.put("/v1/queues/" + q + "/limits", "{}").status()).isEqualTo(200);
    assertThat(queueInfo(q).get("limits").get("maxRunning").isNull()).isTrue();
    assertThat(queueInfo(q).get("limits").get("ratePerSecond").isNull()).isTrue();
    assertThat(http.post("/v1/queues/" + q + "/claim", "{\"workerId\":\"w\",\"max\":10}").json().get("tasks"))
        .hasSize(2);
  }

  @Test
  void badQueueLimitsAre422NamingEachField() {
    String q = queue();
    Http.Resp r = http.put("/v1/queues/" + q + "/limits",
        "{\"maxRunning\":0,\"ratePerSecond\":-1,\"burst\":\"ten\",\"color\":1}");
    assertThat(r.status()).isEqualTo(422);
    Set<String> fields = new HashSet<>();
    r.json().get("errors").forEach(e -> fields.add(e.get("field").asText()));
    assertThat(fields).contains("maxRunning", "ratePerSecond", "burst", "color");
    Http.Resp alone = http.put("/v1/queues/" + q + "/limits", "{\"ratePerSecond\":5}");
    assertThat(alone.status()).isEqualTo(422);
    assertThat(alone.json().get("errors").get(0).get("field").asText()).isEqualTo("burst");
    assertThat(http.put("/v1/queues/" + q + "/limits", "{\"maxRunning\":1.5}").status()).isEqualTo(422);
    assertThat(http.put("/v1/queues/" + q + "/limits", "[1]").status()).isEqualTo(422);
    assertThat(http.put("/v1/queues/Bad%20Queue/limits", "{}").status()).isEqualTo(422);
    assertThat(queueInfoOrNull(q)).as("nothing was set").isNull();
  }

  private JsonNode queueInfoOrNull(String q) {
    for (JsonNode n : http.get("/v1/queues").json().get("queues")) {
      if (n.get("queue").asText().equals(q)) {
        return n;
      }
    }
    return null;
  }

  private JsonNode queueInfo(String q) {
    JsonNode info = queueInfoOrNull(q);
    if (info == null) {
      throw new AssertionError("no queue " + q);
    }
    return info;
  }

  @Test
  void storeOutageIs503WithRetryAfterAndReadinessFails() {
    assertThat(http.get("/health/ready").status()).isEqualTo(200);
    s.store.down(true);
    try {
      Http.Resp r = http.post("/v1/tasks", "{\"type\":\"t\"}");
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.header("Retry-After")).isEqualTo("5");
      assertThat(r.header("Content-Type")).startsWith("application/problem+json");
      assertThat(http.get("/v1/queues").status()).isEqualTo(503);
      assertThat(http.get("/health/ready").status()).isEqualTo(503);
      assertThat(http.get("/health/live").status()).isEqualTo(200);
    } finally {
      s.store.down(false);
    }
    assertThat(http.get("/health/ready").status()).isEqualTo(200);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
