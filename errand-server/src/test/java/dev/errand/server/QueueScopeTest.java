package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Tokens scoped to queues ({@code TOKEN ROLE queues=billing,mail.*}): every role against every route that
 * names a queue or a task, in and out of scope. Out of scope is a 403 naming the queue; in scope the role
 * decides as ever; a token without {@code queues=} keeps every queue.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueueScopeTest {
  private static final String ADMIN = "admin-everywhere-0123456789";
  private static final Map<Role, String> SCOPED = Map.of(
      Role.READER, "reader-billing-0123456789",
      Role.PRODUCER, "producer-billing-0123456789",
      Role.WORKER, "worker-billing-0123456789",
      Role.ADMIN, "admin-billing-0123456789");

  private final TestServer s = TestServer.sqlite(c -> c.withTokens(Tokens.parse(
      ADMIN + " admin\n"
          + SCOPED.get(Role.READER) + " reader queues=billing,mail.*\n"
          + SCOPED.get(Role.PRODUCER) + " producer queues=billing,mail.*, "
          + SCOPED.get(Role.WORKER) + " worker queues=billing,mail.*\n"
          + SCOPED.get(Role.ADMIN) + " admin   queues=billing,mail.*", "test")));
  private final Http admin = s.http.withToken(ADMIN);
  private final Map<String, String> taskOf = new java.util.HashMap<>();

  /** One call of the matrix: who may make it by role, and how to make it on a queue. */
  private record Call(String name, Set<Role> roles, java.util.function.BiFunction<Http, String, Http.Resp> send) {}

  @BeforeAll
  void tasks() {
    for (String q : List.of("billing", "mail.eu", "hr")) {
      taskOf.put(q, admin.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + q + "\"}").json().path("id").asText());
    }
  }

  @AfterAll
  void stop() {
    s.close();
  }

  private List<Call> calls() {
    Set<Role> readers = Set.of(Role.READER, Role.PRODUCER, Role.WORKER, Role.ADMIN);
    Set<Role> producers = Set.of(Role.PRODUCER, Role.ADMIN);
    Set<Role> workers = Set.of(Role.WORKER, Role.ADMIN);
    Set<Role> admins = Set.of(Role.ADMIN);
    return List.of(
        new Call("enqueue", producers, (h, q) -> h.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"" + q + "\"}")),
        new Call("enqueue batch", producers, (h, q) -> h.post("/v1/tasks:batch",
            "{\"tasks\":[{\"type\":\"t\",\"queue\":\"billing\"},{\"type\":\"t\",\"queue\":\"" + q + "\"}]}")),
        new Call("claim", workers, (h, q) -> h.post("/v1/queues/" + q + "/claim", "{\"workerId\":\"w\",\"max\":1,"
            + "\"waitSeconds\":0}")),
        new Call("read task", readers, (h, q) -> h.get("/v1/tasks/" + taskOf.get(q))),
        new Call("read errors", readers, (h, q) -> h.get("/v1/tasks/" + taskOf.get(q) + "/errors")),
        new Call("list tasks", readers, (h, q) -> h.get("/v1/tasks?queue=" + q)),
        new Call("list dead letters", readers, (h, q) -> h.get("/v1/tasks?state=DEAD&queue=" + q)),
        new Call("due", readers, (h, q) -> h.get("/v1/tasks:due?queue=" + q)),
        new Call("dead groups", readers, (h, q) -> h.get("/v1/dead/groups?queue=" + q)),
        new Call("recent events", readers, (h, q) -> h.get("/v1/events/recent?queue=" + q)),
        new Call("pause", admins, (h, q) -> h.post("/v1/queues/" + q + "/resume", null)),
        new Call("limits", admins, (h, q) -> h.put("/v1/queues/" + q + "/limits", "{}")),
        new Call("replay dead", admins, (h, q) -> h.post("/v1/dead/replay?queue=" + q, null)),
        new Call("purge dead by id", admins, (h, q) -> h.delete("/v1/dead?id=" + taskOf.get(q))),
        new Call("run now", admins, (h, q) -> h.post("/v1/tasks/" + taskOf.get(q) + "/run", null)),
        new Call("replay task", admins, (h, q) -> h.post("/v1/tasks/" + taskOf.get(q) + "/replay", null)));
  }

  @Test
  void everyRoleOnEveryQueueRouteIsKeptToItsQueues() {
    List<String> wrong = new ArrayList<>();
    for (Call call : calls()) {
      for (Map.Entry<Role, String> token : SCOPED.entrySet()) {
        Http h = s.http.withToken(token.getValue());
        for (String q : List.of("billing", "mail.eu", "hr")) {
          Http.Resp r = call.send().apply(h, q);
          boolean roleFits = call.roles().contains(token.getKey());
          boolean inScope = !q.equals("hr");
          String expected = !roleFits ? "403 by role" : inScope ? "not 403" : "403 naming hr";
          boolean ok = !roleFits ? r.status() == 403
              : inScope ? r.status() != 403 && r.status() < 500
              : r.status() == 403 && r.json().path("detail").asText().contains("queue hr");
          if (!ok) {
            wrong.add(call.name() + " by " + token.getKey().label() + " on " + q + ": expected " + expected + ", got " + r);
          }
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void whatSpansEveryQueueIsRefusedToAScopedTokenAndTheQueueListKeepsItsOwn() {
    Http reader = s.http.withToken(SCOPED.get(Role.READER));
    for (String path : List.of("/metrics", "/v1/stats", "/v1/workers", "/v1/schedules", "/v1/tasks",
        "/v1/tasks?state=DEAD", "/v1/events/recent", "/v1/tasks:due")) {
      assertThat(reader.get(path).status()).as(path).isEqualTo(403);
    }
    assertThat(reader.get("/v1/queues").json().findValuesAsText("queue")).contains("billing", "mail.eu")
        .doesNotContain("hr");
    assertThat(admin.get("/v1/queues").json().findValuesAsText("queue")).contains("billing", "mail.eu", "hr");
    assertThat(admin.get("/metrics").status()).isEqualTo(200);
    assertThat(admin.get("/v1/tasks").status()).isEqualTo(200);
  }

  @Test
  void aScopedWorkersCompletionMayNotEnqueueOutOfScope() {
    Http worker = s.http.withToken(SCOPED.get(Role.WORKER));
    admin.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"mail.follow\"}");
    Http.Resp claim = worker.post("/v1/queues/mail.follow/claim", "{\"workerId\":\"w\",\"waitSeconds\":5}");
    String id = claim.json().path("tasks").get(0).path("id").asText();
    String lease = claim.json().path("tasks").get(0).path("leaseToken").asText();
    Http.Resp out = worker.post("/v1/tasks/" + id + "/complete", "{\"leaseToken\":\"" + lease + "\","
        + "\"enqueue\":[{\"type\":\"t\",\"queue\":\"hr\"}]}");
    assertThat(out.status()).as(out.toString()).isEqualTo(403);
    assertThat(out.body()).contains("queue hr");
    assertThat(worker.post("/v1/tasks/" + id + "/complete", "{\"leaseToken\":\"" + lease + "\","
        + "\"enqueue\":[{\"type\":\"t\",\"queue\":\"billing\"}]}").status()).isEqualTo(204);
  }

  @Test
  void queuePatternsAreNamesOrPrefixesAndABadOneNamesItsLine() {
    QueueScope scope = QueueScope.parse("billing,mail.*");
    assertThat(scope.permits("billing")).isTrue();
    assertThat(scope.permits("billing2")).isFalse();
    assertThat(scope.permits("mail.eu")).isTrue();
    assertThat(scope.permits("mail")).isFalse();
    assertThat(QueueScope.parse("*").permits("anything")).isTrue();
    assertThat(Tokens.parse("abcdefghijklmnopq reader", "t").grantOf("abcdefghijklmnopq").orElseThrow().queues().isAll())
        .isTrue();
    assertThatThrownBy(() -> Tokens.parse("abcdefghijklmnopq reader\nbcdefghijklmnopqr reader queues=Bad*", "file"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("file line 2")
        .hasMessageContaining("'Bad*'").hasMessageNotContaining("bcdefghijklmnopqr");
    assertThatThrownBy(() -> Tokens.parse("abcdefghijklmnopq reader other=x", "file"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queues=");
  }
}
