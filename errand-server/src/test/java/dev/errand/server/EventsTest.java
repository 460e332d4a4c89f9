package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.TaskState;
import dev.errand.server.events.EventHub;
import dev.errand.server.events.TaskEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
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
  void aPageOpenedLaterSeesTheRecentEventsThenResumesTheStreamWithoutRepeats() throws Exception {
    String first = enqueue("a");
    String second = enqueue("a");
    enqueue("b");
    JsonNode recent = s.http.withToken(READER).get("/v1/events/recent?queue=a").json();
    assertThat(recent.get("events")).extracting(e -> e.get("id").asText()).containsExactly(first, second);
    long last = recent.get("last").asLong();
    assertThat(last).isEqualTo(3);

    // resumes after the first event: gets the second and third from the history, then the live ones
    List<JsonNode> events = listen("?after=1", READER);
    String live = enqueue("c");
    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 3);
    assertThat(events).extracting(e -> e.get("id").asText()).startsWith(second);
    assertThat(events).extracting(e -> e.get("id").asText()).endsWith(live).doesNotHaveDuplicates().hasSize(3);
    assertThat(s.http.withToken(READER).get("/v1/events/recent?limit=0").status()).isEqualTo(422);
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

  /**
   * A client that stops reading fills its TCP window and then its buffer in the hub, and is dropped:
   * publishing never waits for it, a client that keeps reading gets every event, and the slow one, when
   * it reads again, finds its stream ended by a {@code dropped} event.
   */
  @Test
  void aClientThatStopsReadingIsDroppedWithoutSlowingTheOthers() throws Exception {
    List<JsonNode> fast = listen("", READER);
    EventHub hub = s.observability.events();
    URI base = URI.create(s.http.base());
    try (Socket slow = new Socket()) {
      slow.setReceiveBufferSize(4096); // a small TCP window, so the server's writes block soon
      slow.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
      slow.getOutputStream().write(("GET /v1/events HTTP/1.1\r\nHost: " + base.getHost() + "\r\nAuthorization: Bearer "
          + READER + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      slow.getOutputStream().flush();
      await().atMost(Duration.ofSeconds(5)).until(() -> hub.subscribers() == 2);

      int published = 0;
      long slowest = 0;
      // Paced in rounds the reading client keeps up with; the other client reads nothing at all.
      while (hub.subscribers() == 2 && published < 200_000) {
        long start = System.nanoTime();
        for (int i = 0; i < 500; i++, published++) {
          hub.publish(new TaskEvent("enqueued", "t" + published, "q", "job", TaskState.READY, 0, Instant.now(), null));
        }
        slowest = Math.max(slowest, System.nanoTime() - start);
        int sent = published;
        await().atMost(Duration.ofSeconds(10)).until(() -> fast.size() >= sent);
      }
      System.out.printf("slow client dropped after %,d events; slowest round of 500 publishes %,d µs%n", published,
          slowest / 1000);
      assertThat(hub.subscribers()).as("the client that stopped reading is dropped").isEqualTo(1);
      assertThat(Duration.ofNanos(slowest)).as("publishing never waited for it").isLessThan(Duration.ofSeconds(1));
      assertThat(fast).hasSize(published);
      assertThat(fast.get(published - 1).get("id").asText()).isEqualTo("t" + (published - 1));

      // reading again, the slow client gets what its window held, then the end of its stream
      slow.setSoTimeout(10_000);
      String rest = new String(slow.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(rest).startsWith("HTTP/1.1 200").contains("text/event-stream")
          .contains("event: dropped\ndata: {\"reason\":\"the client read too slowly\"}");
      assertThat(rest.indexOf("data: {\"kind\"")).isPositive().isLessThan(rest.indexOf("event: dropped"));
    }
    hub.publish(new TaskEvent("enqueued", "after", "q", "job", TaskState.READY, 0, Instant.now(), null));
    await().atMost(Duration.ofSeconds(5)).until(() -> fast.getLast().get("id").asText().equals("after"));
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
