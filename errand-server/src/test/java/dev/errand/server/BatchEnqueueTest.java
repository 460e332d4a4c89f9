package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.TaskId;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code POST /v1/tasks:batch} as its streaming reader answers it, on SQLite: payloads kept as the exact
 * bytes sent, every refusal naming the item and field, the body's shape checked before its items, and
 * nothing written whenever anything is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchEnqueueTest {
  private final TestServer s = TestServer.sqlite();
  private final Http http = s.http;
  private final AtomicInteger queues = new AtomicInteger();

  @AfterAll
  void stop() {
    s.close();
  }

  private String queue() {
    return "b" + queues.incrementAndGet();
  }

  private static List<String> fields(Http.Resp r) {
    List<String> fields = new ArrayList<>();
    r.json().get("errors").forEach(e -> fields.add(e.get("field").asText() + " " + e.get("message").asText()));
    return fields;
  }

  @Test
  void eachItemKeepsItsPayloadBytesAsSentAndItsOwnFields() {
    String q = queue();
    List<String> payloads = List.of("{ \"a\" : [1, {\"b\":null}] }", "\"t\\u00e9xt\"", "12.50", "null", "[ ]");
    StringBuilder body = new StringBuilder("{ \"tasks\" : [ ");
    for (int i = 0; i < payloads.size(); i++) {
      body.append(i == 0 ? "" : " , ").append("{\"payload\": ").append(payloads.get(i)).append(" , \"type\":\"t\",\"queue\":\"")
          .append(q).append("\",\"id\":\"batch-").append(q).append('-').append(i).append("\",\"priority\":").append(i)
          .append(" }");
    }
    Http.Resp r = http.post("/v1/tasks:batch", body.append(" ] }").toString());
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    for (int i = 0; i < payloads.size(); i++) {
      JsonNode task = r.json().get("results").get(i).get("task");
      assertThat(task.get("id").asText()).isEqualTo("batch-" + q + "-" + i);
      assertThat(task.get("priority").asInt()).isEqualTo(i);
      assertThat(s.errand.get(TaskId.of("batch-" + q + "-" + i)).payload().asString()).isEqualTo(payloads.get(i));
    }
  }

  /**
   * Whether a second task with the same idempotency key (or id) is a repeat or a clash is answered by one
   * rule, so two single requests and one batch of the same two agree: the batch's own check of its items
   * refuses exactly the pairs whose second single request is refused.
   */
  @Test
  void aBatchAndTwoSingleRequestsAgreeOnWhatRepeatsATask() {
    // The first item, then the second; KEY and ID are replaced by a fresh key and id for each run.
    String[][] pairs = {
        {"\"payload\":1,\"idempotencyKey\":\"KEY\"", "\"payload\":1,\"idempotencyKey\":\"KEY\",\"delay\":\"30s\""},
        {"\"payload\":1,\"idempotencyKey\":\"KEY\"", "\"payload\":1,\"idempotencyKey\":\"KEY\",\"maxAttempts\":2"},
        {"\"payload\":1,\"idempotencyKey\":\"KEY\"", "\"payload\":1,\"idempotencyKey\":\"KEY\",\"timeout\":\"5s\""},
        {"\"payload\":1,\"idempotencyKey\":\"KEY\"", "\"payload\":2,\"idempotencyKey\":\"KEY\""},
        {"\"payload\":1,\"idempotencyKey\":\"KEY\"", "\"payload\":1,\"idempotencyKey\":\"KEY\",\"priority\":3"},
        {"\"payload\":1,\"idempotencyKey\":\"KEY\",\"id\":\"ID\"", "\"payload\":1,\"idempotencyKey\":\"KEY\""},
        {"\"payload\":1,\"idempotencyKey\":\"KEY\"", "\"payload\":1,\"idempotencyKey\":\"KEY\",\"id\":\"ID\""},
        {"\"payload\":1,\"id\":\"ID\"", "\"payload\":1,\"id\":\"ID\",\"delay\":\"30s\""},
        {"\"payload\":1,\"id\":\"ID\"", "\"payload\":2,\"id\":\"ID\""},
    };
    List<String> disagreements = new ArrayList<>();
    for (String[] pair : pairs) {
      String q = queue();
      String single = q + "-single";
      boolean singleRefused = http.post("/v1/tasks", item(pair[0], q, single)).status() == 201
          && http.post("/v1/tasks", item(pair[1], q, single)).status() >= 400;
      String batch = q + "-batch";
      Http.Resp r = http.post("/v1/tasks:batch",
          "{\"tasks\":[" + item(pair[0], q, batch) + "," + item(pair[1], q, batch) + "]}");
      boolean batchRefused = r.status() == 422
          || r.json().get("results").get(1).get("status").asText().equals("conflict");
      if (singleRefused != batchRefused) {
        disagreements.add(pair[1] + " after " + pair[0] + ": singles refused " + singleRefused + ", batch " + r);
      }
    }
    assertThat(disagreements).isEmpty();
  }

  private static String item(String fields, String queue, String name) {
    return "{\"type\":\"t\",\"queue\":\"" + queue + "\","
        + fields.replace("KEY", "key-" + name).replace("ID", "id-" + name) + "}";
  }

  @Test
  void theBodysShapeIsAnsweredBeforeItsItemsAndNothingIsWritten() {
    String q = queue();
    String before = s.snapshot();
    Http.Resp r = http.post("/v1/tasks:batch", "{\"extra\":1,\"tasks\":[{\"type\":\"t\",\"queue\":\"" + q
        + "\",\"priority\":99},7],\"tasks\":[]}");
    assertThat(r.status()).isEqualTo(422);
    assertThat(fields(r)).containsExactly("extra is not a known field", "tasks is given more than once",
        "tasks[1] must be a JSON object");
    Http.Resp items = http.post("/v1/tasks:batch", "{\"tasks\":[{\"type\":\"t\",\"queue\":\"" + q + "\"},{\"type\":\"t\","
        + "\"queue\":\"" + q + "\",\"priority\":99,\"colour\":\"red\"},{\"queue\":\"" + q + "\"}]}");
    assertThat(items.status()).isEqualTo(422);
    assertThat(fields(items)).containsExactly("tasks[1].colour is not a known field", "tasks[1].priority must be in 0..9",
        "tasks[2].type is required");
    assertThat(fields(http.post("/v1/tasks:batch", "{\"tasks\":null}"))).containsExactly("tasks is required");
    assertThat(fields(http.post("/v1/tasks:batch", "{\"tasks\":{}}"))).containsExactly("tasks must be an array of objects");
    assertThat(fields(http.post("/v1/tasks:batch", "[]"))).containsExactly("body must be a JSON object");
    assertThat(http.post("/v1/tasks:batch", "{\"tasks\":[{\"type\":\"t\"}]").status()).isEqualTo(400);
    assertThat(http.post("/v1/tasks:batch", "{\"tasks\":[{\"type\":\"t\"}]} {}").status()).isEqualTo(400);
    assertThat(http.post("/v1/tasks:batch", "").status()).isEqualTo(400);
    assertThat(s.snapshot()).isEqualTo(before);
  }

  @Test
  void moreItemsThanTheLimitAreRefusedWhole() {
    String before = s.snapshot();
    String item = "{\"type\":\"t\",\"queue\":\"" + queue() + "\"}";
    Http.Resp r = http.post("/v1/tasks:batch", "{\"tasks\":[" + String.join(",", Collections.nCopies(1001, item)) + "]}");
    assertThat(r.status()).isEqualTo(422);
    assertThat(fields(r)).containsExactly("tasks must hold 1..1000 tasks");
    assertThat(s.snapshot()).isEqualTo(before);
  }

  @Test
  void anOversizePayloadIs413NamingItsItemAndNothingIsWritten() {
    String q = queue();
    String before = s.snapshot();
    String ok = "{\"type\":\"t\",\"queue\":\"" + q + "\"}";
    String big = "{\"type\":\"t\",\"queue\":\"" + q + "\",\"payload\":\"" + "x".repeat(1 << 20) + "\"}";
    Http.Resp r = http.post("/v1/tasks:batch", "{\"tasks\":[" + ok + "," + big + "," + ok + "]}");
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("tasks[1].payload");
    assertThat(s.snapshot()).isEqualTo(before);
  }

  @Test
  void aBodyWithoutContentLengthIsReadWhole() {
    String q = queue();
    StringBuilder body = new StringBuilder("{\"tasks\":[");
    for (int i = 0; i < 300; i++) {
      body.append(i == 0 ? "" : ",").append("{\"type\":\"t\",\"queue\":\"").append(q).append("\",\"payload\":\"")
          .append("p".repeat(100)).append(i).append("\"}");
    }
    byte[] bytes = body.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    HttpRequest request = HttpRequest.newBuilder(URI.create(http.base() + "/v1/tasks:batch"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))).build(); // chunked
    Http.Resp r = http.send(request);
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.json().get("results")).hasSize(300);
    assertThat(r.json().get("results").get(299).get("task").get("payload").asText()).isEqualTo("p".repeat(100) + 299);
  }
}
