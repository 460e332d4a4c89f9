package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Workflows over HTTP on a real SQLite store: the general form and the chain, group and chord shapes,
 * each node's state, parents carried by a claimed task, cancel, idempotency keys, and 422s that name the
 * bad node. A store without workflows answers 501.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkflowApiTest {
  private final TestServer s = TestServer.sqlite();
  private final Http http = s.http;
  private final AtomicInteger queues = new AtomicInteger();

  @AfterAll
  void stop() {
    s.close();
  }

  private String queue() {
    return "w" + queues.incrementAndGet();
  }

  private static String task(String type, String queue) {
    return "{\"type\":\"" + type + "\",\"queue\":\"" + queue + "\"}";
  }

  private JsonNode created(String body) {
    Http.Resp r = http.post("/v1/workflows", body);
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json();
  }

  private JsonNode claim(String q, int max) {
    Http.Resp c = http.post("/v1/queues/" + q + "/claim", "{\"workerId\":\"worker-1\",\"max\":" + max + ",\"leaseSeconds\":30}");
    assertThat(c.status()).as(c.toString()).isEqualTo(200);
    return c.json().get("tasks");
  }

  private void complete(JsonNode t, String result) {
    Http.Resp r = http.post("/v1/tasks/" + t.get("id").asText() + "/complete",
        "{\"leaseToken\":\"" + t.get("leaseToken").asText() + "\",\"result\":" + result + "}");
    assertThat(r.status()).as(r.toString()).isBetween(200, 204);
  }

  private JsonNode workflow(String id) {
    Http.Resp r = http.get("/v1/workflows/" + id);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  @Test
  void generalFormRunsNodesInDependencyOrderAndClaimsCarryParents() {
    String q = queue();
    JsonNode w = created("{\"nodes\":["
        + "{\"name\":\"a\",\"task\":" + task("fetch", q) + "},"
        + "{\"name\":\"b\",\"task\":" + task("parse", q) + ",\"dependsOn\":[\"a\"]}]}");
    String a = w.get("nodes").get("a").asText();
    String b = w.get("nodes").get("b").asText();
    assertThat(workflow(w.get("id").asText()).get("nodes").get(1).get("state").asText()).isEqualTo("WAITING");

    JsonNode first = claim(q, 10);
    assertThat(first).hasSize(1);
    assertThat(first.get(0).get("id").asText()).isEqualTo(a);
    assertThat(first.get(0).has("parents")).isFalse();
    complete(first.get(0), "{\"rows\":3}");

    JsonNode second = claim(q, 10);
    assertThat(second).hasSize(1);
    JsonNode parents = second.get(0).get("parents");
    assertThat(parents).hasSize(1);
    assertThat(parents.get(0).get("name").asText()).isEqualTo("a");
    assertThat(parents.get(0).get("id").asText()).isEqualTo(a);
    assertThat(parents.get(0).get("state").asText()).isEqualTo("SUCCEEDED");
    assertThat(parents.get(0).get("result").get("rows").asInt()).isEqualTo(3);
    assertThat(second.get(0).get("id").asText()).isEqualTo(b);
    complete(second.get(0), "null");

    JsonNode done = workflow(w.get("id").asText());
    assertThat(done.get("state").asText()).isEqualTo("SUCCEEDED");
    assertThat(done.get("nodes").get(1).get("dependsOn").get(0).get("node").asText()).isEqualTo("a");
    assertThat(done.get("nodes").get(1).get("dependsOn").get(0).get("onFailure").asText()).isEqualTo("fail");
  }

  @Test
  void chordShapeRunsTheCallbackAfterTheWholeGroupWithEveryResultInOrder() {
    String q = queue();
    List<String> members = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      members.add(task("member", q));
    }
    JsonNode w = created("{\"chord\":{\"group\":[" + String.join(",", members) + "],\"callback\":"
        + task("sum", q) + "},\"finally\":" + task("cleanup", q) + "}");
    assertThat(w.get("nodes").size()).isEqualTo(7);
    JsonNode group = claim(q, 10);
    assertThat(group).hasSize(5);
    for (JsonNode t : group) {
      complete(t, "\"" + t.get("id").asText() + "\"");
    }
    JsonNode callback = claim(q, 10);
    assertThat(callback).hasSize(1);
    JsonNode parents = callback.get(0).get("parents");
    assertThat(parents).hasSize(5);
    for (int i = 0; i < 5; i++) {
      assertThat(parents.get(i).get("name").asText()).isEqualTo(Integer.toString(i));
      assertThat(parents.get(i).get("result").asText()).isEqualTo(w.get("nodes").get(Integer.toString(i)).asText());
    }
    complete(callback.get(0), "null");
    JsonNode fin = claim(q, 10);
    assertThat(fin).hasSize(1);
    assertThat(fin.get(0).get("id").asText()).isEqualTo(w.get("nodes").get("finally").asText());
    // The finally-task's parents are every other node: the group, then the callback.
    JsonNode finParents = fin.get(0).get("parents");
    assertThat(finParents).hasSize(6);
    assertThat(finParents.get(5).get("name").asText()).isEqualTo("5");
    assertThat(finParents.get(5).get("state").asText()).isEqualTo("SUCCEEDED");
  }

  @Test
  void replayingADeadNodeRevivesWhatItsDeathCancelledAndTheWorkflowRunsAgain() {
    String q = queue();
    JsonNode w = created("{\"chain\":[" + task("a", q) + "," + task("b", q) + "]}");
    String id = w.get("id").asText();
    JsonNode a = claim(q, 10).get(0);
    Http.Resp failed = http.post("/v1/tasks/" + a.get("id").asText() + "/fail",
        "{\"leaseToken\":\"" + a.get("leaseToken").asText() + "\",\"error\":\"boom\",\"retryable\":false}");
    assertThat(failed.status()).as(failed.toString()).isEqualTo(204);
    assertThat(workflow(id).get("state").asText()).isEqualTo("FAILED");
    assertThat(workflow(id).get("nodes").get(1).get("state").asText()).isEqualTo("CANCELLED");

    Http.Resp replayed = http.post("/v1/tasks/" + a.get("id").asText() + "/replay", "");
    assertThat(replayed.status()).as(replayed.toString()).isBetween(200, 204);
    assertThat(workflow(id).get("state").asText()).isEqualTo("RUNNING");
    assertThat(workflow(id).get("nodes").get(1).get("state").asText()).isEqualTo("WAITING");
    complete(claim(q, 10).get(0), "1");
    complete(claim(q, 10).get(0), "2");
    assertThat(workflow(id).get("state").asText()).isEqualTo("SUCCEEDED");
  }

  @Test
  void chainAndGroupShapes() {
    String q = queue();
    JsonNode chain = created("{\"chain\":[" + task("a", q) + "," + task("b", q) + "," + task("c", q) + "]}");
    assertThat(workflow(chain.get("id").asText()).get("nodes").get(2).get("dependsOn").get(0).get("node").asText())
        .isEqualTo("1");
    String g = queue();
    created("{\"group\":[" + task("a", g) + "," + task("b", g) + "]}");
    assertThat(claim(g, 10)).hasSize(2);
  }

  @Test
  void cancelStopsWhatHasNotRun() {
    String q = queue();
    JsonNode w = created("{\"chain\":[" + task("a", q) + "," + task("b", q) + "]}");
    Http.Resp r = http.post("/v1/workflows/" + w.get("id").asText() + "/cancel", null);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("state").asText()).isEqualTo("CANCELLED");
    assertThat(r.json().get("nodes").get(1).get("state").asText()).isEqualTo("CANCELLED");
    assertThat(claim(q, 10)).isEmpty();
    assertThat(http.post("/v1/workflows/nope/cancel", null).status()).isEqualTo(404);
    assertThat(http.get("/v1/workflows/nope").status()).isEqualTo(404);
  }

  @Test
  void idempotencyKeyAnswersTheFirstWorkflowAndRefusesAnotherGraph() {
    String q = queue();
    String body = "{\"idempotencyKey\":\"k-" + q + "\",\"chain\":[" + task("a", q) + "]}";
    JsonNode first = created(body);
    Http.Resp again = http.post("/v1/workflows", body);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().get("id").asText()).isEqualTo(first.get("id").asText());
    Http.Resp other = http.post("/v1/workflows", "{\"idempotencyKey\":\"k-" + q + "\",\"chain\":[" + task("b", q) + "]}");
    assertThat(other.status()).isEqualTo(422);
    assertThat(other.json().get("errors").get(0).get("field").asText()).isEqualTo("idempotencyKey");
  }

  @Test
  void badGraphsAreRefusedNamingTheNode() {
    String q = queue();
    Http.Resp cycle = http.post("/v1/workflows", "{\"nodes\":["
        + "{\"name\":\"a\",\"task\":" + task("a", q) + ",\"dependsOn\":[\"b\"]},"
        + "{\"name\":\"b\",\"task\":" + task("b", q) + ",\"dependsOn\":[\"a\"]}]}");
    assertThat(cycle.status()).isEqualTo(422);
    assertThat(cycle.json().get("errors").get(0).get("message").asText()).contains("dependency cycle");
    assertThat(cycle.json().get("errors").get(0).get("field").asText()).startsWith("nodes[");

    Http.Resp unknown = http.post("/v1/workflows", "{\"nodes\":["
        + "{\"name\":\"a\",\"task\":" + task("a", q) + ",\"dependsOn\":[\"ghost\"]}]}");
    assertThat(unknown.status()).isEqualTo(422);
    assertThat(unknown.json().get("errors").get(0).get("field").asText()).isEqualTo("nodes[0].dependsOn");
    assertThat(unknown.json().get("errors").get(0).get("message").asText()).contains("a").contains("ghost");

    Http.Resp keyed = http.post("/v1/workflows", "{\"chain\":[{\"type\":\"a\",\"idempotencyKey\":\"x\"}]}");
    assertThat(keyed.status()).isEqualTo(422);
    assertThat(keyed.json().get("errors").get(0).get("field").asText()).isEqualTo("chain[0].idempotencyKey");

    Http.Resp badTask = http.post("/v1/workflows", "{\"nodes\":[{\"name\":\"a\",\"task\":{\"type\":\"a\",\"priority\":99}}]}");
    assertThat(badTask.status()).isEqualTo(422);
    assertThat(badTask.json().get("errors").get(0).get("field").asText()).isEqualTo("nodes[0].task.priority");

    List<String> many = new ArrayList<>();
    for (int i = 0; i < 10_001; i++) {
      many.add("{\"type\":\"t\"}");
    }
    Http.Resp tooMany = http.post("/v1/workflows", "{\"group\":[" + String.join(",", many) + "]}");
    assertThat(tooMany.status()).isEqualTo(422);
    assertThat(tooMany.json().get("errors").get(0).get("field").asText()).isEqualTo("group");

    assertThat(http.post("/v1/workflows", "{}").status()).isEqualTo(422);
    assertThat(s.errand.queues()).noneMatch(info -> info.queue().equals(q)); // nothing half-written
  }

  @Test
  void aStoreWithoutWorkflowsAnswers501() {
    try (TestServer memory = TestServer.inMemory()) {
      Http.Resp r = memory.http.post("/v1/workflows", "{\"chain\":[{\"type\":\"a\"}]}");
      assertThat(r.status()).isEqualTo(501);
      assertThat(r.json().get("detail").asText()).contains("has no workflows");
      assertThat(memory.http.get("/v1/workflows/x").status()).isEqualTo(501);
    }
  }
}
