package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The structured event log of the real {@code errand server} command: with {@code --log-events}, one
 * line per task state change that is a whole JSON object with the event's fields; without it, none.
 */
class EventLogTest {
  private final Path dir = TempDirs.create();
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    processes.forEach(Process::destroyForcibly);
    TempDirs.delete(dir);
  }

  @Test
  void eachStateChangeIsOneJsonLine() throws Exception {
    CommandProcess server = start("--log-events");
    Http http = new Http(server.url(), null);
    String done = enqueue(http);
    JsonNode claimed = claim(http);
    assertThat(http.post("/v1/tasks/" + done + "/complete", "{\"leaseToken\":\"" + claimed.get("leaseToken").asText()
        + "\"}").status()).isEqualTo(204);
    String dead = enqueue(http);
    JsonNode second = claim(http);
    assertThat(http.post("/v1/tasks/" + dead + "/fail", "{\"leaseToken\":\"" + second.get("leaseToken").asText()
        + "\",\"error\":\"card 4242 declined\\n\\tat Pay.charge\",\"retryable\":false}").status()).isEqualTo(204);

    List<JsonNode> events = new ArrayList<>();
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      for (String line = server.more().poll(); line != null; line = server.more().poll()) {
        if (line.startsWith("{")) {
          events.add(Http.MAPPER.readTree(line)); // the whole line is one JSON object, or this throws
        }
      }
      return events.size() >= 6;
    });
    assertThat(events).extracting(e -> e.get("kind").asText() + " " + e.get("state").asText() + " " + e.get("id").asText())
        .containsExactly("enqueued READY " + done, "started RUNNING " + done, "succeeded SUCCEEDED " + done,
            "enqueued READY " + dead, "started RUNNING " + dead, "dead DEAD " + dead);
    assertThat(events).allSatisfy(e -> {
      assertThat(e.isObject()).isTrue();
      assertThat(e.get("server").asText()).isEqualTo("errand-server");
      assertThat(e.get("queue").asText()).isEqualTo("billing");
      assertThat(e.get("type").asText()).isEqualTo("charge");
      assertThat(Instant.parse(e.get("at").asText())).isBeforeOrEqualTo(Instant.now());
      assertThat(e.has("attempt")).isTrue();
      assertThat(e.has("payload")).as("payloads are never logged").isFalse();
      assertThat(e.has("error")).as("nor error texts").isFalse();
    });
    assertThat(events.get(1).get("attempt").asInt()).isEqualTo(1);
  }

  @Test
  void withoutTheFlagNothingIsLoggedPerTask() throws Exception {
    CommandProcess server = start();
    Http http = new Http(server.url(), null);
    enqueue(http);
    claim(http);
    // events are logged on the request's thread before it answers; give the output reader a moment
    List<String> after = new ArrayList<>();
    for (String line = server.more().poll(500, TimeUnit.MILLISECONDS); line != null;
        line = server.more().poll(100, TimeUnit.MILLISECONDS)) {
      after.add(line);
    }
    assertThat(after).noneMatch(line -> line.startsWith("{"));
  }

  private CommandProcess start(String... extra) throws Exception {
    CommandProcess started = CommandProcess.start(dir, extra);
    processes.add(started.process());
    return started;
  }

  private static String enqueue(Http http) {
    Http.Resp r = http.post("/v1/tasks", "{\"type\":\"charge\",\"queue\":\"billing\",\"payload\":{\"card\":\"4242\"}}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json().get("id").asText();
  }

  private static JsonNode claim(Http http) {
    return http.post("/v1/queues/billing/claim", "{\"workerId\":\"w\"}").json().get("tasks").get(0);
  }
}
