package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/events} read by a real HTTP client: the changes of the asked queue, in order, live. */
class EventsTest {
  private static final String READER = "reader-token-0123456789ab";
  private static final String ADMIN = "admin-token-0123456789abc";

  private final TestServer s = TestServer.sqlite(c -> c.withTokens(Tokens.parse(
      READER + " reader, " + ADMIN + " admin", "test")));
  private final Http admin = s.http.withToken(ADMIN);
  private final HttpClient client = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    s.close();
  }

  /** Opens the stream and collects its data lines as JSON on a virtual thread, until the stream ends. */
  private List<JsonNode> listen(String query, String token) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(s.http.base() + "/v1/events" + query))
        .header("Authorization", "Bearer " + token).build();
    HttpResponse<Stream<String>> r = client.send(request, HttpResponse.BodyHandlers.ofLines());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
    List<JsonNode> events = new CopyOnWriteArrayList<>();
    Thread.ofVirtual().start(() -> {
      try (Stream<String> lines = r.body()) {
        lines.filter(l -> l.startsWith("data: ")).forEach(l -> {
          try {
            events.add(Http.MAPPER.readTree(l.substring(6)));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
      } catch (UncheckedIOException e) {
        // the server closed the stream
      }
    });
    // the subscription exists once the server has answered the headers
    await().atMost(Duration.ofSeconds(5)).until(() -> s.observability.events().subscribers() > 0);
    return events;
  }

  private String enqueue(String queue) {
    Http.Resp r = admin.post("/v1/tasks", "{\"type\":\"job\",\"queue\":\"" + queue + "\",\"maxAttempts\":1}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json().get("id").asText();
  }

  @Test
  void streamsTheStateChangesOfTheAskedQueueInOrder() throws Exception {
    List<JsonNode> events = listen("?queue=a", READER);
    String done = enqueue("a");
    enqueue("b");
    JsonNode t = admin.post("/v1/queues/a/claim", "{\"workerId\":\"w\"}").json().get("tasks").get(0);
    assertThat(admin.post("/v1/tasks/" + done + "/complete", "{\"leaseToken\":\"" + t.get("leaseToken").asText()
        + "\"}").status()).isEqualTo(204);
    String failed = enqueue("a");
    JsonNode f = admin.post("/v1/queues/a/claim", "{\"workerId\":\"w\"}").json().get("tasks").get(0);
    assertThat(admin.post("/v1/tasks/" + failed + "/fail", "{\"leaseToken\":\"" + f.get("leaseToken").asText()
        + "\",\"error\":\"no such user\\n  at Handler.run\"}").status()).isEqualTo(204);

    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 6);
    assertThat(events).extracting(e -> e.get("kind").asText() + " " + e.get("state").asText())
        .containsExactly("enqueued READY", "started RUNNING", "succeeded SUCCEEDED",
            "enqueued READY", "started RUNNING", "dead DEAD");
    assertThat(events).allMatch(e -> e.get("queue").asText().equals("a") && e.get("type").asText().equals("job"));
    assertThat(events.get(0).get("id").asText()).isEqualTo(done);
    assertThat(events.get(5).get("error").asText()).isEqualTo("no such user");
    assertThat(events.get(5).has("payload")).isFalse();
  }

  @Test
  void withoutAQueueEveryQueueIsStreamed() throws Exception {
    List<JsonNode> events = listen("", READER);
    enqueue("a");
    enqueue("b");
    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 2);
    assertThat(events).extracting(e -> e.get("queue").asText()).containsExactly("a", "b");
  }

  @Test
  void needsAReadingTokenAndAValidQueue() {
    assertThat(s.http.get("/v1/events").status()).isEqualTo(401);
    Http.Resp bad = s.http.withToken(READER).get("/v1/events?queue=Not%20A%20Queue");
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.header("Content-Type")).startsWith("application/problem+json");
    assertThat(s.http.withToken(READER).get("/v1/events?color=red").status()).isEqualTo(422);
  }

  @Test
  void serverStopEndsOpenStreams() throws Exception {
    listen("", READER);
    long start = System.nanoTime();
    s.server.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    assertThat(s.observability.events().subscribers()).isZero();
  }
}
