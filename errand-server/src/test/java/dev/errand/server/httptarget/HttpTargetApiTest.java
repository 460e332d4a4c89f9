package dev.errand.server.httptarget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.TaskId;
import dev.errand.core.testkit.InMemoryTaskStore;
import dev.errand.server.ErrandServer;
import dev.errand.server.Observability;
import dev.errand.server.ServerConfig;
import dev.errand.httptarget.HttpTarget;
import dev.errand.httptarget.TargetPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Target tasks through the API of a real server that runs its target queue, calling a real endpoint on
 * loopback (opened by the allow-list): enqueue single and in batches, validation, redaction in reads, a
 * schedule that calls a URL, and the per-host metrics.
 */
class HttpTargetApiTest {
  private final List<Map<String, String>> received = new CopyOnWriteArrayList<>();
  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private final HttpServer endpoint;
  private final Observability observability = Observability.create(false);
  private final Errand errand;
  private final ErrandServer server;
  private final HttpClient client = HttpClient.newHttpClient();
  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger maxInFlight = new java.util.concurrent.atomic.AtomicInteger();

  HttpTargetApiTest() throws IOException {
    endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    endpoint.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    endpoint.createContext("/", x -> {
      int now = inFlight.incrementAndGet();
      maxInFlight.accumulateAndGet(now, Math::max);
      try (x) {
        if (x.getRequestURI().getPath().equals("/slow")) {
          Thread.sleep(100);
        }
        bodies.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        received.add(Map.of("path", x.getRequestURI().toString(),
            "authorization", String.valueOf(x.getRequestHeaders().getFirst("authorization"))));
        byte[] answer = "{\"done\":true}".getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(x.getRequestURI().getPath().equals("/missing") ? 404 : 200, answer.length);
        x.getResponseBody().write(answer);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        inFlight.decrementAndGet();
      }
    });
    endpoint.start();
    TargetRuntime targets = new TargetRuntime(Map.of("http", 8), TargetPolicy.allowing(List.of("127.0.0.1")), null, 0);
    errand = targets.applyTo(Errand.builder().store(observability.timed(new InMemoryTaskStore()))
        .listener(observability.listener()).pollInterval(Duration.ofMillis(20)), observability.registry()).build().start();
    server = ErrandServer.start(ServerConfig.loopback(0, "memory"), errand, observability);
  }

  @AfterEach
  void close() {
    server.close();
    errand.close();
    endpoint.stop(0);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + endpoint.getAddress().getPort() + path;
  }

  private HttpResponse<String> send(String method, String path, String json) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .header("content-type", "application/json");
    r.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode json(HttpResponse<String> r) throws IOException {
    return Json.DEFAULT_MAPPER.readTree(r.body());
  }

  private JsonNode settled(String id) {
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      String state = json(send("GET", "/v1/tasks/" + id, null)).get("state").asText();
      return state.equals("SUCCEEDED") || state.equals("DEAD");
    });
    try {
      return json(send("GET", "/v1/tasks/" + id, null));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aTargetTaskIsCalledByTheServerAndReadsRedactItsSecrets() throws Exception {
    HttpResponse<String> created = send("POST", "/v1/tasks", "{\"target\": {\"url\": \"" + url("/jobs/expire") + "\", "
        + "\"headers\": {\"Authorization\": \"Bearer s3cret\", \"X-Api-Key\": \"k\"}, \"secretHeaders\": [\"x-api-key\"]}, "
        + "\"payload\": {\"order\": 42}}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode task = json(created);
    assertThat(task.get("kind").asText()).isEqualTo("http");
    assertThat(task.get("type").asText()).isEqualTo("http");
    assertThat(task.get("queue").asText()).isEqualTo("http");
    assertThat(created.body()).doesNotContain("s3cret");

    JsonNode done = settled(task.get("id").asText());
    assertThat(done.get("state").asText()).isEqualTo("SUCCEEDED");
    assertThat(done.get("result").get("status").asInt()).isEqualTo(200);
    assertThat(done.get("result").get("body").asText()).isEqualTo("{\"done\":true}");
    assertThat(done.get("payload").toString()).isEqualTo("{\"order\":42}");
    JsonNode target = done.get("target");
    assertThat(target.get("url").asText()).isEqualTo(url("/jobs/expire"));
    assertThat(target.get("method").asText()).isEqualTo("POST");
    assertThat(target.get("headers").get("authorization").asText()).isEqualTo("[redacted]");
    assertThat(target.get("headers").get("x-api-key").asText()).isEqualTo("[redacted]");
    assertThat(send("GET", "/v1/tasks?queue=http", null).body()).doesNotContain("s3cret");

    assertThat(received).singleElement().satisfies(r -> assertThat(r).containsEntry("authorization", "Bearer s3cret"));
    assertThat(bodies).containsExactly("{\"order\": 42}");

    String metrics = send("GET", "/metrics", null).body();
    assertThat(metrics).contains("errand_target_requests_total{host=\"127.0.0.1\",status=\"200\"} 1.0")
        .contains("errand_target_request_seconds_count{host=\"127.0.0.1\"} 1");
  }

  @Test
  void theTargetStatsRouteGivesEachHostsRequestsStatusesAndLatency() throws Exception {
    assertThat(json(send("GET", "/v1/stats/targets", null)).get("hosts")).isEmpty();
    HttpResponse<String> r = send("POST", "/v1/tasks:batch", "{\"tasks\": [{\"target\": {\"url\": \"" + url("/a")
        + "\"}}, {\"target\": {\"url\": \"" + url("/slow") + "\"}}, {\"target\": {\"url\": \"" + url("/missing") + "\"}}]}");
    for (JsonNode item : json(r).get("results")) {
      settled(item.get("task").get("id").asText());
    }
    JsonNode hosts = json(send("GET", "/v1/stats/targets", null)).get("hosts"); // what the dashboard's table shows
    assertThat(hosts).hasSize(1);
    JsonNode host = hosts.get(0);
    assertThat(host.get("host").asText()).isEqualTo("127.0.0.1");
    assertThat(host.get("requests").asLong()).isEqualTo(3);
    assertThat(host.get("statuses").toString()).isEqualTo("{\"200\":2,\"404\":1}");
    assertThat(host.get("latencyMaxMs").asDouble()).isGreaterThanOrEqualTo(100); // /slow sleeps 100 ms
    assertThat(host.get("latencyMeanMs").asDouble()).isGreaterThan(0).isLessThan(host.get("latencyMaxMs").asDouble());
  }

  @Test
  void batchesTakeTargetsAndA4xxEndsDead() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/tasks:batch", "{\"tasks\": [{\"target\": {\"url\": \"" + url("/a")
        + "\", \"method\": \"GET\"}}, {\"type\": \"notify\", \"queue\": \"hooks\", \"target\": {\"url\": \"" + url("/missing")
        + "\", \"body\": \"raw text\"}, \"maxAttempts\": 5}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    JsonNode tasks = json(r).get("results");
    assertThat(tasks.get(1).get("task").get("queue").asText()).isEqualTo("hooks");
    assertThat(settled(tasks.get(0).get("task").get("id").asText()).get("state").asText()).isEqualTo("SUCCEEDED");
    // queue hooks is not served by this server: the task waits for a server that runs it
    TaskId hooks = TaskId.of(tasks.get(1).get("task").get("id").asText());
    assertThat(errand.get(hooks).state().name()).isEqualTo("READY");
  }

  @Test
  void aDeadTargetKeepsStatusAndBodyExcerpt() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/tasks", "{\"target\": {\"url\": \"" + url("/missing") + "\"}}");
    JsonNode dead = settled(json(r).get("id").asText());
    assertThat(dead.get("state").asText()).isEqualTo("DEAD");
    assertThat(dead.get("lastError").asText()).startsWith("HTTP 404 from POST " + url("/missing")).endsWith("{\"done\":true}");
  }

  @Test
  void badTargetsAre422NamingTheField() throws Exception {
    assertThat(errors(send("POST", "/v1/tasks", "{\"target\": {\"url\": \"ftp://x.example/\"}}")))
        .containsExactly("target.url: must use http or https: ftp");
    assertThat(errors(send("POST", "/v1/tasks", "{\"target\": {}}"))).containsExactly("target.url: is required");
    assertThat(errors(send("POST", "/v1/tasks",
        "{\"timeout\": \"10s\", \"target\": {\"url\": \"https://x.example/\", \"deadline\": \"1m\"}}")))
        .containsExactly("target.deadline: must be at most the task's timeout PT10S: 1m");
    assertThat(errors(send("POST", "/v1/tasks",
        "{\"kind\": \"handler\", \"target\": {\"url\": \"https://x.example/\", \"method\": \"FETCH\", \"headers\": {\"host\": \"y\"}, "
            + "\"expect\": {\"success\": [\"7xx\"]}, \"extra\": 1}}")))
        .containsExactlyInAnyOrder("kind: must be http (or absent) for a task with a target: handler",
            "target.extra: is not a known field", "target.method: must be one of [DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT]: FETCH",
            "target.headers.host: is set by Errand and cannot be given",
            "target.expect.success[0]: must be a status 100..599 or a class like 4xx: 7xx");
    assertThat(errors(send("POST", "/v1/tasks", "{\"target\": {\"url\": \"https://x.example/\", \"method\": \"GET\"}, "
        + "\"payload\": {\"a\": 1}}"))).containsExactly("payload: cannot be sent with method GET: put it in the url's query");
    assertThat(errors(send("POST", "/v1/tasks:batch", "{\"tasks\": [{\"type\": \"t\"}, {\"target\": {\"url\": 5}}]}")))
        .containsExactly("tasks[1].target.url: must be a string");
    assertThat(errand.queues()).isEmpty(); // nothing half-written
  }

  private List<String> errors(HttpResponse<String> r) throws IOException {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
    List<String> out = new java.util.ArrayList<>();
    json(r).get("errors").forEach(e -> out.add(e.get("field").asText() + ": " + e.get("message").asText()));
    return out;
  }

  @Test
  void theQueuesConcurrencyLimitHoldsForTargetCalls() throws Exception {
    HttpResponse<String> limits = send("PUT", "/v1/queues/http/limits", "{\"maxRunning\": 2}");
    assertThat(limits.statusCode()).as(limits.body()).isEqualTo(200);
    StringBuilder batch = new StringBuilder("{\"tasks\": [");
    for (int i = 0; i < 12; i++) {
      batch.append(i == 0 ? "" : ",").append("{\"target\": {\"url\": \"").append(url("/slow")).append("\"}}");
    }
    HttpResponse<String> r = send("POST", "/v1/tasks:batch", batch.append("]}").toString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 12 && inFlight.get() == 0);
    assertThat(maxInFlight.get()).isEqualTo(2); // 8 slots on this server, 2 allowed by the queue's limit
  }

  @Test
  void aScheduleCallsAUrl() throws Exception {
    HttpResponse<String> put = send("PUT", "/v1/schedules/ping", "{\"interval\": \"1s\", \"task\": {\"target\": {\"url\": \""
        + url("/tick") + "\"}}}");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(20)).until(() -> received.stream().anyMatch(r -> r.get("path").equals("/tick")));
  }

  @Test
  void theJavaBuilderEnqueuesTheSameTask() {
    TaskId id = errand.enqueue(HttpTarget.post(url("/java")).header("authorization", "Bearer j").build()
        .spec(Json.parse("{\"from\":\"java\"}"))).task().id();
    await().atMost(Duration.ofSeconds(20)).until(() -> errand.get(id).state().name().equals("SUCCEEDED"));
    assertThat(bodies).containsExactly("{\"from\":\"java\"}");
  }
}
