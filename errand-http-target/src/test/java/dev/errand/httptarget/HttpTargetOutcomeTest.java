package dev.errand.httptarget;

import static dev.errand.httptarget.LocalEndpoint.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.AttemptError;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskState;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The outcome of each kind of answer, against a real endpoint on loopback opened by the allow-list. */
class HttpTargetOutcomeTest {
  private final TargetRun run = new TargetRun(HttpTargetExecutor.builder()
      .policy(TargetPolicy.allowing(List.of("127.0.0.1"))).maxResponseBytes(16).build());

  @AfterEach
  void close() {
    run.close();
  }

  @Test
  void a2xxSucceedsWithStatusHeadersAndCappedBodyAsResult() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> send(x, 201, "0123456789abcdefOVER", "x-answer", "yes"))) {
      HttpTarget target = HttpTarget.post(endpoint.url("/jobs/expire?order=42")).header("x-tenant", "acme").build();
      Task task = run.run(target, Json.parse("{\"order\": 42}"), 3, TaskState.SUCCEEDED, TaskState.DEAD);

      assertThat(task.state()).isEqualTo(TaskState.SUCCEEDED);
      JsonNode result = Json.DEFAULT_MAPPER.readTree(task.result().bytesUnsafe());
      assertThat(result.get("status").asInt()).isEqualTo(201);
      assertThat(result.get("headers").get("x-answer").asText()).isEqualTo("yes");
      assertThat(result.get("body").asText()).isEqualTo("0123456789abcdef");
      assertThat(result.get("truncated").asBoolean()).isTrue();
      LocalEndpoint.Received r = endpoint.received.get(0);
      assertThat(r.method()).isEqualTo("POST");
      assertThat(r.path()).isEqualTo("/jobs/expire?order=42");
      assertThat(r.headers()).containsEntry("x-tenant", "acme").containsEntry("content-type", "application/json");
      assertThat(r.bodyText()).isEqualTo("{\"order\": 42}"); // the payload's bytes as given
    }
  }

  @Test
  void aBodyAtTheCapIsWholeAndALongChunkedOneIsCut() throws Exception {
    byte[] big = "x".repeat(100_000).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> {
      if (x.getRequestURI().getPath().equals("/exact")) {
        send(x, 200, "0123456789abcdef");
      } else {
        x.sendResponseHeaders(200, 0); // chunked: no length known in advance
        x.getResponseBody().write(big);
        x.close();
      }
    })) {
      JsonNode exact = result(run.run(HttpTarget.get(endpoint.url("/exact")).build(), null, 1, TaskState.SUCCEEDED,
          TaskState.DEAD));
      assertThat(exact.get("body").asText()).isEqualTo("0123456789abcdef");
      assertThat(exact.get("truncated").asBoolean()).isFalse();
      JsonNode cut = result(run.run(HttpTarget.get(endpoint.url("/big")).build(), null, 1, TaskState.SUCCEEDED,
          TaskState.DEAD));
      assertThat(cut.get("body").asText()).isEqualTo("x".repeat(16));
      assertThat(cut.get("truncated").asBoolean()).isTrue();
    }
  }

  private static JsonNode result(Task task) throws java.io.IOException {
    assertThat(task.state()).isEqualTo(TaskState.SUCCEEDED);
    return Json.DEFAULT_MAPPER.readTree(task.result().bytesUnsafe());
  }

  @Test
  void aGivenBodyIsSentAsItsBytes() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> send(x, 200, "ok"))) {
      HttpTarget target = HttpTarget.builder(endpoint.url("/p")).method("put").body("héllo <raw>").build();
      assertThat(run.run(target, null, 1, TaskState.SUCCEEDED, TaskState.DEAD).state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(endpoint.received.get(0).method()).isEqualTo("PUT");
      assertThat(endpoint.received.get(0).bodyText()).isEqualTo("héllo <raw>");
    }
  }

  @Test
  void a5xxIsRetriedWithBackoffAndEachAttemptIsInTheErrorHistory() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> send(x, n < 3 ? (n == 1 ? 500 : 408) : 200, "try " + n))) {
      Task task = run.run(HttpTarget.post(endpoint.url("/")).build(), null, 5, TaskState.SUCCEEDED, TaskState.DEAD);

      assertThat(task.state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(task.attempt()).isEqualTo(3);
      List<AttemptError> errors = run.errand.errors(task.id());
      assertThat(errors).extracting(AttemptError::error).satisfiesExactly(
          e -> assertThat(e).startsWith("HTTP 500 from POST http://127.0.0.1:" + endpoint.port() + "/ after ")
              .contains(" ms: try 1"),
          e -> assertThat(e).startsWith("HTTP 408 ").endsWith("try 2"));
    }
  }

  @Test
  void other4xxAreDeadAtOnceWithStatusAndBodyExcerpt() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> send(x, 404, "no such order"))) {
      Task task = run.run(HttpTarget.post(endpoint.url("/")).build(), null, 5, TaskState.DEAD, TaskState.SUCCEEDED);

      assertThat(task.state()).isEqualTo(TaskState.DEAD);
      assertThat(task.attempt()).isEqualTo(1);
      assertThat(task.lastError()).startsWith("HTTP 404 ").endsWith(": no such order");
      assertThat(endpoint.received).hasSize(1);
    }
  }

  @Test
  void statusRulesOverrideTheDefaults() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> send(x, n == 1 ? 409 : 404, ""))) {
      HttpTarget target = HttpTarget.post(endpoint.url("/"))
          .expect(new StatusRules(List.of("404"), List.of("4xx"), List.of())).build();
      Task task = run.run(target, null, 5, TaskState.SUCCEEDED, TaskState.DEAD);

      assertThat(task.state()).isEqualTo(TaskState.SUCCEEDED); // 409 retried by the class rule, 404 a success
      assertThat(task.attempt()).isEqualTo(2);
    }
  }

  @Test
  void a429IsRetriedNoSoonerThanItsRetryAfter() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> send(x, 429, "slow down", "retry-after", "120"))) {
      Instant before = Instant.now();
      Task task = run.run(HttpTarget.post(endpoint.url("/")).build(), null, 5, TaskState.RETRYING, TaskState.DEAD);

      assertThat(task.state()).isEqualTo(TaskState.RETRYING);
      assertThat(task.runAt()).isAfterOrEqualTo(before.plusSeconds(120));
      assertThat(task.lastError()).startsWith("HTTP 429 ").contains("(Retry-After 120 s)");
    }
  }

  @Test
  void a503OnTheLastAttemptIsDead() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> send(x, 503, "", "retry-after", "1"))) {
      Task task = run.run(HttpTarget.post(endpoint.url("/")).build(), null, 1, TaskState.DEAD, TaskState.SUCCEEDED);
      assertThat(task.lastError()).startsWith("HTTP 503 ");
    }
  }

  @Test
  void theDeadlineEndsAnAttemptAndIsRetried() throws Exception {
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> {
      if (n == 1) {
        Thread.sleep(3_000);
      }
      send(x, 200, "late");
    })) {
      HttpTarget target = HttpTarget.post(endpoint.url("/")).deadline(Duration.ofMillis(300)).build();
      Task task = run.run(target, null, 3, TaskState.SUCCEEDED, TaskState.DEAD);

      assertThat(task.state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(run.errand.errors(task.id())).singleElement().extracting(AttemptError::error)
          .asString().startsWith("deadline of 300 ms passed: POST http://127.0.0.1:");
    }
  }

  @Test
  void aConnectionErrorIsRetried() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Task task = run.run(HttpTarget.post("http://127.0.0.1:" + closedPort + "/").build(), null, 2, TaskState.DEAD);

    assertThat(task.attempt()).isEqualTo(2);
    assertThat(run.errand.errors(task.id())).hasSize(2).allSatisfy(
        e -> assertThat(e.error()).startsWith("connection error: POST http://127.0.0.1:" + closedPort + "/ after "));
  }
}
