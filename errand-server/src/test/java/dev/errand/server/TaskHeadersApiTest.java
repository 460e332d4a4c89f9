package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.TaskId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Task headers and kind over HTTP, and the W3C trace context a request carries to the tasks it enqueues. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TaskHeadersApiTest {
  private static final String PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final String OTHER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
  private final TestServer s = TestServer.sqlite();
  private final Http http = s.http;

  @AfterAll
  void stop() {
    s.close();
  }

  private Http.Resp post(String path, String body, String... headers) {
    return http.send("POST", path, body.getBytes(StandardCharsets.UTF_8), headers);
  }

  @Test
  void headersAndKindAreStoredAndShownWithTheTask() {
    Http.Resp r = post("/v1/tasks", "{\"type\":\"t\",\"kind\":\"webhook\",\"headers\":{\"x-tenant\":\"acme\","
        + "\"traceparent\":\"" + PARENT + "\"}}");

    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    JsonNode t = r.json();
    assertThat(t.get("kind").asText()).isEqualTo("webhook");
    assertThat(t.get("headers").get("x-tenant").asText()).isEqualTo("acme");
    assertThat(t.get("headers").get("traceparent").asText()).isEqualTo(PARENT);
    assertThat(s.errand.get(TaskId.of(t.get("id").asText())).headers())
        .isEqualTo(Map.of("x-tenant", "acme", "traceparent", PARENT));
    assertThat(http.get("/v1/tasks/" + t.get("id").asText()).body()).isEqualTo(r.body());
  }

  @Test
  void taskWithoutHeadersShowsTheHandlerKindAndNoHeaders() {
    JsonNode t = post("/v1/tasks", "{\"type\":\"t\"}").json();

    assertThat(t.get("kind").asText()).isEqualTo("handler");
    assertThat(t.has("headers")).isFalse();
  }

  @Test
  void requestTraceparentIsKeptWithTheTaskUnlessItsHeadersGiveOne() {
    JsonNode fromRequest = post("/v1/tasks", "{\"type\":\"t\"}", "traceparent", PARENT, "tracestate", "congo=t61")
        .json();
    JsonNode own = post("/v1/tasks", "{\"type\":\"t\",\"headers\":{\"traceparent\":\"" + OTHER + "\"}}",
        "traceparent", PARENT).json();

    assertThat(fromRequest.get("headers").get("traceparent").asText()).isEqualTo(PARENT);
    assertThat(fromRequest.get("headers").get("tracestate").asText()).isEqualTo("congo=t61");
    assertThat(own.get("headers").get("traceparent").asText()).isEqualTo(OTHER);
  }

  @Test
  void invalidRequestTraceparentIsIgnoredNotRefused() {
    Http.Resp r = post("/v1/tasks", "{\"type\":\"t\"}",
        "traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "tracestate", "congo=t61");

    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.json().has("headers")).isFalse();
  }

  @Test
  void batchTasksKeepTheRequestTraceparent() {
    Http.Resp r = post("/v1/tasks:batch", "{\"tasks\":[{\"type\":\"t\"},{\"type\":\"t\",\"headers\":{\"x-a\":\"1\"}}]}",
        "traceparent", PARENT);

    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    List<JsonNode> tasks = new ArrayList<>();
    r.json().get("results").forEach(e -> tasks.add(e.get("task")));
    assertThat(tasks).hasSize(2).allSatisfy(t ->
        assertThat(t.get("headers").get("traceparent").asText()).isEqualTo(PARENT));
    assertThat(tasks.get(1).get("headers").get("x-a").asText()).isEqualTo("1");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"type\":\"t\",\"headers\":{\"traceparent\":\"00-abc\"}}|headers.traceparent",
      "{\"type\":\"t\",\"headers\":{\"traceparent\":\"00-00000000000000000000000000000000-00f067aa0ba902b7-01\"}}|headers.traceparent",
      "{\"type\":\"t\",\"headers\":{\"X-Tenant\":\"a\"}}|headers.X-Tenant",
      "{\"type\":\"t\",\"headers\":{\"x-tenant\":5}}|headers.x-tenant",
      "{\"type\":\"t\",\"headers\":{\"x-tenant\":null}}|headers.x-tenant",
      "{\"type\":\"t\",\"headers\":{\"x-tenant\":\"caf\u00e9\"}}|headers.x-tenant",
      "{\"type\":\"t\",\"headers\":[\"x\"]}|headers",
      "{\"type\":\"t\",\"kind\":\"Not A Kind\"}|kind",
  })
  void badHeadersAre422NamingTheHeader(String body, String field) {
    Http.Resp r = post("/v1/tasks", body, "traceparent", PARENT);

    assertThat(r.status()).as(r.toString()).isEqualTo(422);
    List<String> fields = new ArrayList<>();
    r.json().get("errors").forEach(e -> fields.add(e.get("field").asText()));
    assertThat(fields).containsExactly(field);
  }

  @Test
  void headersOverTheSizeLimitAre422() {
    String big = "v".repeat(3000);
    Http.Resp r = post("/v1/tasks", "{\"type\":\"t\",\"headers\":{\"x-a\":\"" + big + "\",\"x-b\":\"" + big + "\"}}");

    assertThat(r.status()).as(r.toString()).isEqualTo(422);
    assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("headers");
  }

  @Test
  void batchItemWithABadHeaderIs422NamingItsIndex() {
    Http.Resp r = post("/v1/tasks:batch", "{\"tasks\":[{\"type\":\"t\"},{\"type\":\"t\",\"headers\":{\"BAD\":\"1\"}}]}");

    assertThat(r.status()).as(r.toString()).isEqualTo(422);
    assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("tasks[1].headers.BAD");
  }
}
