package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every route's live answers against the OpenAPI document the server serves: each call's status must be
 * documented for its operation, and its JSON body must validate against the schema documented for that
 * status (JSON Schema 2020-12, as OpenAPI 3.1 uses). Every operation in the document must be called at
 * least once; an operation added to the document needs a call here (or a reason in
 * {@link #NOT_EXERCISED}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiConformanceTest {
  /** Operations this test does not call, with the reason. */
  private static final Map<String, String> NOT_EXERCISED = Map.of();

  private final TestServer s = TestServer.sqliteStarted();
  private final Http http = s.http;
  private final JsonNode doc = http.get("/v1/openapi.json").json();
  private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private final Set<String> called = new TreeSet<>();
  private final List<String> failures = new ArrayList<>();

  @AfterAll
  void stop() {
    s.close();
  }

  /** Calls {@code method} on {@code path} (an instance of {@code template}) and checks the answer. */
  private Http.Resp call(String method, String template, String path, String body) {
    Http.Resp r = http.send(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    check(method, template, r.status(), r.header("Content-Type"), r.bytes());
    return r;
  }

  private void check(String method, String template, int status, String contentType, byte[] bytes) {
    String op = method.toUpperCase() + " " + template;
    JsonNode operation = doc.path("paths").path(template).path(method.toLowerCase());
    if (operation.isMissingNode() && status == 405 && doc.path("paths").has(template)) {
      // A method the path does not have: answered as every operation documents 405.
      List<Error> errors = schemaOf(resolve(doc.at("/components/responses/MethodNotAllowed"))
          .at("/content/application~1problem+json/schema")).validate(parse(bytes));
      if (!errors.isEmpty()) {
        failures.add(op + " 405: " + errors);
      }
      return;
    }
    called.add(op);
    if (operation.isMissingNode()) {
      failures.add(op + ": not in the document");
      return;
    }
    JsonNode response = resolve(operation.path("responses").path(String.valueOf(status)));
    if (response.isMissingNode()) {
      failures.add(op + ": answered " + status + ", which the document does not list: " + new String(bytes,
          StandardCharsets.UTF_8));
      return;
    }
    JsonNode content = response.path("content");
    if (content.isMissingNode() || contentType == null || bytes.length == 0) {
      return;
    }
    String media = contentType.split(";")[0].trim();
    JsonNode schema = content.path(media).path("schema");
    if (content.path(media).isMissingNode()) {
      failures.add(op + " " + status + ": content type " + media + " is not documented (" + content.fieldNames().next() + ")");
      return;
    }
    if (schema.isMissingNode() || !media.endsWith("json")) {
      return;
    }
    List<Error> errors = schemaOf(schema).validate(parse(bytes));
    if (!errors.isEmpty()) {
      failures.add(op + " " + status + ": " + errors + " in " + new String(bytes, StandardCharsets.UTF_8));
    }
  }

  private static JsonNode parse(byte[] bytes) {
    try {
      return Http.MAPPER.readTree(bytes);
    } catch (java.io.IOException e) {
      throw new AssertionError("not JSON: " + new String(bytes, StandardCharsets.UTF_8), e);
    }
  }

  /** A component response's {@code $ref}, followed. */
  private JsonNode resolve(JsonNode node) {
    String ref = node.path("$ref").asText(null);
    if (ref == null) {
      return node;
    }
    JsonNode target = doc;
    for (String part : ref.substring(2).split("/")) {
      target = target.path(part);
    }
    return target;
  }

  /** {@code schema} with the document's components beside it, so its {@code #/components/...} refs resolve. */
  private Schema schemaOf(JsonNode schema) {
    ObjectNode root = Http.MAPPER.createObjectNode();
    root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    root.set("components", doc.path("components"));
    root.putArray("allOf").add(schema);
    return registry.getSchema(root.toString());
  }

  private String enqueue(String queue, String extra) {
    Http.Resp r = call("POST", "/v1/tasks", "/v1/tasks", "{\"type\":\"job\",\"queue\":\"" + queue + "\"" + extra + "}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json().get("id").asText();
  }

  private JsonNode claim(String queue) {
    Http.Resp r = call("POST", "/v1/queues/{queue}/claim", "/v1/queues/" + queue + "/claim",
        "{\"workerId\":\"w-1\",\"max\":1,\"leaseSeconds\":30}");
    assertThat(r.json().get("tasks")).as(r.toString()).hasSize(1);
    return r.json().get("tasks").get(0);
  }

  private String lease(JsonNode task, String fields) {
    return "{\"leaseToken\":\"" + task.get("leaseToken").asText() + "\"" + fields + "}";
  }

  @Test
  void theValidatorRefusesWhatTheSchemasForbid() {
    JsonNode task = Http.MAPPER.createObjectNode().put("$ref", "#/components/schemas/Task");
    assertThat(schemaOf(task).validate(parse("{\"id\":5,\"state\":\"NOPE\"}".getBytes(StandardCharsets.UTF_8))))
        .hasSizeGreaterThanOrEqualTo(2);
    JsonNode info = Http.MAPPER.createObjectNode().put("$ref", "#/components/schemas/ScheduleInfo");
    assertThat(schemaOf(info).validate(parse("{\"cron\":null,\"interval\":null,\"startAt\":null}"
        .getBytes(StandardCharsets.UTF_8)))).as("nullable fields").isEmpty();
    assertThat(schemaOf(info).validate(parse("{\"cron\":5}".getBytes(StandardCharsets.UTF_8)))).isNotEmpty();
  }

  @Test
  void everyRouteAnswersAsTheDocumentSays() throws Exception {
    // Producers: enqueue (new, repeat, bad), batch, read, list, errors.
    String id = enqueue("oa", ",\"payload\":{\"n\":1},\"idempotencyKey\":\"k1\",\"retry\":{\"base\":\"1s\",\"cap\":\"1m\"}");
    call("POST", "/v1/tasks", "/v1/tasks", "{\"type\":\"job\",\"queue\":\"oa\",\"payload\":{\"n\":1},"
        + "\"idempotencyKey\":\"k1\",\"retry\":{\"base\":\"1s\",\"cap\":\"1m\"}}");
    call("POST", "/v1/tasks", "/v1/tasks", "{\"type\":\"job\",\"queue\":\"oa\",\"payload\":{\"n\":2},"
        + "\"idempotencyKey\":\"k1\"}");
    call("POST", "/v1/tasks", "/v1/tasks", "{\"type\":\"Bad Type\"}");
    call("POST", "/v1/tasks", "/v1/tasks", "{\"type\":");
    call("POST", "/v1/tasks", "/v1/tasks", "{\"type\":\"job\",\"payload\":\"" + "x".repeat(2 << 20) + "\"}");
    call("POST", "/v1/tasks:batch", "/v1/tasks:batch", "{\"tasks\":[{\"type\":\"job\",\"queue\":\"oa-batch\"}]}");
    call("POST", "/v1/tasks:batch", "/v1/tasks:batch", "{\"tasks\":[]}");
    call("GET", "/v1/tasks/{id}", "/v1/tasks/" + id, null);
    call("GET", "/v1/tasks/{id}", "/v1/tasks/" + id + "?wait=100ms", null);
    call("GET", "/v1/tasks/{id}", "/v1/tasks/" + id + "?wait=2m", null);
    call("GET", "/v1/tasks/{id}", "/v1/tasks/no-such-task", null);
    call("GET", "/v1/tasks", "/v1/tasks?queue=oa&limit=2", null);
    call("GET", "/v1/tasks", "/v1/tasks?state=nope", null);
    call("GET", "/v1/tasks/{id}/errors", "/v1/tasks/" + id + "/errors", null);
    call("GET", "/v1/tasks/{id}/errors", "/v1/tasks/no-such-task/errors", null);
    call("GET", "/v1/tasks:due", "/v1/tasks:due", null);

    // The worker protocol: claim, heartbeat, complete, fail, snooze, batch completion.
    JsonNode t = claim("oa");
    call("POST", "/v1/tasks/{id}/heartbeat", "/v1/tasks/" + id + "/heartbeat", lease(t, ",\"progress\":{\"done\":1}"));
    call("POST", "/v1/tasks/{id}/heartbeat", "/v1/tasks/no-such-task/heartbeat", "{\"leaseToken\":\"x\"}");
    call("POST", "/v1/tasks/{id}/heartbeat", "/v1/tasks/" + id + "/heartbeat", "{\"leaseToken\":\"stale\"}");
    call("POST", "/v1/tasks/{id}/heartbeat", "/v1/tasks/" + id + "/heartbeat", "{\"leaseToken\":1}");
    call("POST", "/v1/tasks/{id}/heartbeat", "/v1/tasks/" + id + "/heartbeat", "not json");
    call("POST", "/v1/tasks/{id}/snooze", "/v1/tasks/" + id + "/snooze", lease(t, ",\"delay\":\"0s\""));
    call("POST", "/v1/tasks/{id}/snooze", "/v1/tasks/" + id + "/snooze", lease(t, ",\"delay\":\"0s\""));
    t = claim("oa");
    call("POST", "/v1/tasks/{id}/fail", "/v1/tasks/" + id + "/fail", lease(t, ",\"error\":\"boom\",\"retryAfter\":\"1s\""));
    call("POST", "/v1/tasks/{id}/fail", "/v1/tasks/" + id + "/fail", lease(t, ",\"error\":\"boom\""));
    call("POST", "/v1/tasks/{id}/fail", "/v1/tasks/no-such-task/fail", "{\"leaseToken\":\"x\",\"error\":\"e\"}");
    call("POST", "/v1/tasks:retry", "/v1/tasks:retry", "{\"queue\":\"oa\",\"dryRun\":true}");
    call("POST", "/v1/tasks:retry", "/v1/tasks:retry", "{\"queue\":\"oa\"}");
    call("POST", "/v1/tasks:retry", "/v1/tasks:retry", "{\"state\":\"READY\"}");
    t = claim("oa");
    call("POST", "/v1/tasks/{id}/complete", "/v1/tasks/" + id + "/complete", lease(t, ",\"result\":{\"ok\":true}"));
    call("POST", "/v1/tasks/{id}/complete", "/v1/tasks/" + id + "/complete", lease(t, ""));
    String second = enqueue("oa", "");
    t = claim("oa");
    call("POST", "/v1/tasks:complete", "/v1/tasks:complete", "{\"completions\":[{\"id\":\"" + second
        + "\",\"leaseToken\":\"" + t.get("leaseToken").asText() + "\"}]}");
    call("POST", "/v1/tasks:complete", "/v1/tasks:complete", "{\"completions\":[]}");
    call("GET", "/v1/tasks/{id}", "/v1/tasks/" + id + "?wait=5s", null); // finished: answered at once

    // Operators: cancel, replay, run now, bulk, dead letters, due tasks.
    String later = enqueue("oa-ops", ",\"delay\":\"1h\"");
    call("POST", "/v1/tasks/{id}/run", "/v1/tasks/" + later + "/run", null);
    call("POST", "/v1/tasks/{id}/run", "/v1/tasks/" + later + "/run", null);
    call("POST", "/v1/tasks/{id}/cancel", "/v1/tasks/" + later + "/cancel", null);
    call("POST", "/v1/tasks/{id}/cancel", "/v1/tasks/" + id + "/cancel", null);
    call("POST", "/v1/tasks/{id}/cancel", "/v1/tasks/no-such-task/cancel", null);
    call("POST", "/v1/tasks/{id}/cancel", "/v1/tasks/" + later + "/cancel", "{}");
    String doomed = enqueue("oa-dead", ",\"maxAttempts\":1");
    t = claim("oa-dead");
    call("POST", "/v1/tasks/{id}/fail", "/v1/tasks/" + doomed + "/fail", lease(t, ",\"error\":\"fatal\",\"retryable\":false"));
    call("GET", "/v1/dead/groups", "/v1/dead/groups", null);
    call("POST", "/v1/tasks/{id}/replay", "/v1/tasks/" + doomed + "/replay", null);
    call("POST", "/v1/tasks/{id}/replay", "/v1/tasks/" + doomed + "/replay", null);
    call("POST", "/v1/dead/replay", "/v1/dead/replay?queue=oa-dead", null);
    call("DELETE", "/v1/dead", "/v1/dead?queue=oa-dead", null);
    call("DELETE", "/v1/dead", "/v1/dead?queue=Bad Queue".replace(" ", "%20"), null);
    call("POST", "/v1/due/run", "/v1/due/run?queue=oa-ops", null);
    call("POST", "/v1/tasks:cancel", "/v1/tasks:cancel", "{\"queue\":\"oa-batch\",\"dryRun\":true}");
    call("POST", "/v1/tasks:cancel", "/v1/tasks:cancel", "{\"queue\":\"oa-batch\"}");
    call("POST", "/v1/tasks:cancel", "/v1/tasks:cancel", "{\"state\":\"DEAD\"}");
    call("POST", "/v1/tasks:cancel", "/v1/tasks:cancel", "[1]");

    // Workflows and outbox messages.
    Http.Resp wf = call("POST", "/v1/workflows", "/v1/workflows",
        "{\"chain\":[{\"type\":\"a\",\"queue\":\"oa-wf\"},{\"type\":\"b\",\"queue\":\"oa-wf\"}]}");
    assertThat(wf.status()).as(wf.toString()).isEqualTo(201);
    String workflow = wf.json().get("id").asText();
    call("POST", "/v1/workflows", "/v1/workflows", "{\"chain\":[{\"type\":\"a\"}],\"group\":[{\"type\":\"b\"}]}");
    call("POST", "/v1/workflows", "/v1/workflows", "{\"nodes\":[{\"name\":\"x\",\"task\":{\"type\":\"a\"},"
        + "\"dependsOn\":[\"x\"]}]}");
    call("GET", "/v1/workflows/{id}", "/v1/workflows/" + workflow, null);
    call("GET", "/v1/workflows/{id}", "/v1/workflows/no-such-workflow", null);
    call("POST", "/v1/workflows/{id}/cancel", "/v1/workflows/" + workflow + "/cancel", null);
    call("POST", "/v1/workflows/{id}/cancel", "/v1/workflows/no-such-workflow/cancel", null);
    call("POST", "/v1/messages", "/v1/messages", "{\"exchange\":\"\",\"routingKey\":\"oa\",\"payload\":{\"n\":1},"
        + "\"idempotencyKey\":\"m1\"}");
    call("POST", "/v1/messages", "/v1/messages", "{\"exchange\":\"\",\"routingKey\":\"oa\",\"payload\":{\"n\":1},"
        + "\"idempotencyKey\":\"m1\"}");
    call("POST", "/v1/messages", "/v1/messages", "{\"routingKey\":5}");

    // Queues.
    call("GET", "/v1/queues", "/v1/queues", null);
    call("POST", "/v1/queues/{queue}/pause", "/v1/queues/oa-ops/pause", null);
    call("POST", "/v1/queues/{queue}/resume", "/v1/queues/oa-ops/resume", null);
    call("PUT", "/v1/queues/{queue}/limits", "/v1/queues/oa-ops/limits", "{\"maxRunning\":2}");
    call("PUT", "/v1/queues/{queue}/limits", "/v1/queues/oa-ops/limits", "{\"maxRunning\":-1}");
    call("POST", "/v1/queues/{queue}/claim", "/v1/queues/oa-empty/claim", "{\"workerId\":\"w-1\"}");
    call("POST", "/v1/queues/{queue}/claim", "/v1/queues/oa-empty/claim", "{}");

    // Schedules.
    call("PUT", "/v1/schedules/{name}", "/v1/schedules/oa-every", "{\"cron\":\"0 */5 * * * *\",\"task\":{\"type\":\"tick\"}}");
    call("PUT", "/v1/schedules/{name}", "/v1/schedules/oa-interval", "{\"interval\":\"1h\",\"task\":{\"type\":\"tick\"}}");
    call("PUT", "/v1/schedules/{name}", "/v1/schedules/oa-bad", "{\"cron\":\"nope\",\"task\":{\"type\":\"tick\"}}");
    call("GET", "/v1/schedules", "/v1/schedules", null);
    call("GET", "/v1/schedules/{name}", "/v1/schedules/oa-every", null);
    call("GET", "/v1/schedules/{name}", "/v1/schedules/nope", null);
    call("POST", "/v1/schedules/{name}/disable", "/v1/schedules/oa-every/disable", null);
    call("POST", "/v1/schedules/{name}/enable", "/v1/schedules/oa-every/enable", null);
    call("POST", "/v1/schedules/{name}/enable", "/v1/schedules/nope/enable", null);
    call("POST", "/v1/schedules/{name}/run", "/v1/schedules/oa-every/run", null);
    call("POST", "/v1/schedules/{name}/run", "/v1/schedules/nope/run", null);
    call("DELETE", "/v1/schedules/{name}", "/v1/schedules/oa-every", null);
    call("DELETE", "/v1/schedules/{name}", "/v1/schedules/oa-every", null);

    // Observability and the server itself.
    call("GET", "/v1/events/recent", "/v1/events/recent?limit=5", null);
    call("GET", "/v1/stats", "/v1/stats", null);
    call("GET", "/v1/stats/queues", "/v1/stats/queues", null);
    call("GET", "/v1/stats/targets", "/v1/stats/targets", null);
    call("GET", "/v1/workers", "/v1/workers", null);
    call("GET", "/v1/rabbitmq", "/v1/rabbitmq", null);
    call("GET", "/metrics", "/metrics", null);
    call("GET", "/health/live", "/health/live", null);
    call("GET", "/health/ready", "/health/ready", null);
    call("GET", "/docs", "/docs", null);
    call("GET", "/v1/openapi.json", "/v1/openapi.json", null);
    call("DELETE", "/v1/tasks/{id}", "/v1/tasks/" + id, null); // 405
    streamHeaders("/v1/events", "/v1/events?queue=oa");

    assertThat(failures).as("answers the document does not describe").isEmpty();
    Set<String> documented = new TreeSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> p = doc.get("paths").fields(); p.hasNext(); ) {
      Map.Entry<String, JsonNode> path = p.next();
      path.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase() + " " + path.getKey()));
    }
    documented.removeAll(NOT_EXERCISED.keySet());
    assertThat(called).as("operations this test called").containsAll(documented);
  }

  @Test
  void everyProtectedRouteAnswers401And403AsTheDocumentSays() {
    String producerToken = "producer-token-0123456789";
    TestServer secured = TestServer.sqlite(c -> c.withTokens(Tokens.parse(producerToken + " producer", "test")));
    List<String> before = List.copyOf(failures);
    int checked = 0;
    try {
      for (Iterator<Map.Entry<String, JsonNode>> p = doc.get("paths").fields(); p.hasNext(); ) {
        Map.Entry<String, JsonNode> path = p.next();
        String concrete = path.getKey().replace("{id}", "some-task").replace("{queue}", "some-queue")
            .replace("{name}", "some-schedule");
        for (Iterator<Map.Entry<String, JsonNode>> o = path.getValue().fields(); o.hasNext(); ) {
          Map.Entry<String, JsonNode> op = o.next();
          if (!op.getValue().path("responses").has("401")) {
            continue; // open to anyone
          }
          String description = op.getValue().path("description").asText("");
          int at = description.indexOf("Roles:");
          String roles = at < 0 ? "" : description.substring(at, description.indexOf('.', at) + 1);
          String method = op.getKey().toUpperCase();
          byte[] body = op.getValue().has("requestBody") ? "{}".getBytes(StandardCharsets.UTF_8) : null;
          Http.Resp anonymous = secured.http.send(method, concrete, body);
          assertThat(anonymous.status()).as(method + " " + path.getKey()).isEqualTo(401);
          check(method, path.getKey(), anonymous.status(), anonymous.header("Content-Type"), anonymous.bytes());
          checked++;
          if (!roles.isEmpty() && !roles.contains("producer")) {
            Http.Resp forbidden = secured.http.withToken(producerToken).send(method, concrete, body);
            assertThat(forbidden.status()).as(method + " " + path.getKey()).isEqualTo(403);
            check(method, path.getKey(), forbidden.status(), forbidden.header("Content-Type"), forbidden.bytes());
          }
        }
      }
    } finally {
      secured.close();
    }
    assertThat(checked).as("operations that document a 401").isGreaterThan(25);
    assertThat(failures).as("answers the document does not describe").isEqualTo(before);
  }

  /** An event stream: its status and headers, then hang up. */
  private void streamHeaders(String template, String path) throws Exception {
    HttpResponse<InputStream> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(http.base() + path))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    r.body().close();
    check("GET", template, r.statusCode(), null, new byte[0]);
  }
}
