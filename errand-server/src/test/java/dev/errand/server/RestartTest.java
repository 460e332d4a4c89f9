package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.Errand;
import dev.errand.core.spi.TaskStoreProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the server acknowledged survives a restart, in-process and as the real {@code errand server} command. */
class RestartTest {

  private final Path dir = TempDirs.create();
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    processes.forEach(Process::destroyForcibly);
    TempDirs.delete(dir);
  }

  private ErrandServer open(List<Errand> errands) {
    Errand errand = Errand.builder().store(TaskStoreProvider.openUrl("sqlite:" + dir)).build();
    errands.add(errand);
    return ErrandServer.start(ServerConfig.loopback(0, "sqlite"), errand);
  }

  @Test
  void storeContentsSurviveAServerRestart() {
    List<Errand> errands = new ArrayList<>();
    String before;
    List<String> ids = new ArrayList<>();
    try (ErrandServer server = open(errands)) {
      Http http = new Http(server.port());
      for (int i = 0; i < 5; i++) {
        ids.add(http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"keep\",\"payload\":{ \"i\" : " + i + " }}").json().get("id").asText());
      }
      ids.add(http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"later\",\"delay\":\"1h\"}").json().get("id").asText());
      JsonNode claimed = http.post("/v1/queues/keep/claim", "{\"workerId\":\"w\",\"max\":2}").json().get("tasks");
      http.post("/v1/tasks/" + claimed.get(0).get("id").asText() + "/complete",
          "{\"leaseToken\":\"" + claimed.get(0).get("leaseToken").asText() + "\",\"result\":[1, 2]}");
      http.post("/v1/tasks/" + claimed.get(1).get("id").asText() + "/fail",
          "{\"leaseToken\":\"" + claimed.get(1).get("leaseToken").asText() + "\",\"error\":\"no\",\"retryable\":false}");
      http.post("/v1/queues/later/pause", null);
      before = readAll(http, ids);
    } finally {
      errands.forEach(Errand::close);
    }
    try (ErrandServer server = open(errands)) {
      assertThat(readAll(new Http(server.port()), ids)).isEqualTo(before);
    } finally {
      errands.forEach(Errand::close);
    }
  }

  private static String readAll(Http http, List<String> ids) {
    StringBuilder sb = new StringBuilder();
    for (String id : ids) {
      sb.append(http.get("/v1/tasks/" + id).body()).append('\n');
    }
    // how long the oldest ready task has waited grows between the two reads; its runAt does not
    return sb.append(http.get("/v1/queues").body().replaceAll("\"oldestReadyAgeSeconds\":[0-9.]+", "")).toString();
  }

  /**
   * The real command: starts fast with one line naming its address and store, stops cleanly on SIGTERM,
   * and a second run on the same data directory still has the task.
   */
  @Test
  void errandServerCommandStartsFastAndKeepsTasksAcrossRuns() throws Exception {
    CommandProcess first = startCommand();
    System.out.println("errand server started in " + first.millis() + " ms");
    assertThat(first.store()).isEqualTo("sqlite:" + dir);
    // A loose bound: this JVM runs from the unshaded test class path on a shared, often overloaded machine.
    // The shipped jar's start-up is measured separately (see the server report); this catches gross regressions.
    assertThat(first.millis()).as("startup time, including the JVM").isLessThan(10_000);
    Http http = new Http(first.url(), null);
    String id = http.post("/v1/tasks", "{\"type\":\"survivor\",\"payload\":\"kept\"}").json().get("id").asText();
    first.process().destroy(); // SIGTERM: the shutdown hook stops the server and closes the store
    assertThat(first.process().waitFor(20, TimeUnit.SECONDS)).isTrue();

    CommandProcess second = startCommand();
    Http.Resp r = new Http(second.url(), null).get("/v1/tasks/" + id);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("payload").asText()).isEqualTo("kept");
    second.process().destroy();
    assertThat(second.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
  }

  /** The real command with --config: its queue limits are in the store and its schedules run. */
  @Test
  void configFileSetsQueueLimitsAndSchedules() throws Exception {
    Path config = dir.resolve("errand.json");
    Files.writeString(config, """
        {"queues": {"mail": {"maxRunning": 2, "ratePerSecond": 5, "burst": 5}},
         "schedules": {"beat": {"interval": "1s", "task": {"type": "beat", "queue": "beats"}}}}
        """);
    CommandProcess started = startCommand("--config", config.toString());
    assertThat(started.lines().getFirst()).contains("1 schedules");
    Http http = new Http(started.url(), null);
    JsonNode schedule = http.get("/v1/schedules/beat").json();
    assertThat(schedule.get("nextFire").asText()).isNotBlank();
    JsonNode mail = null;
    for (JsonNode q : http.get("/v1/queues").json().get("queues")) {
      if (q.get("queue").asText().equals("mail")) {
        mail = q;
      }
    }
    assertThat(mail).isNotNull();
    assertThat(mail.get("limits").get("maxRunning").asInt()).isEqualTo(2);
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> http.get("/v1/tasks?queue=beats").json().get("tasks").size() >= 1);
    started.process().destroy();
    assertThat(started.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
  }

  /** The real command: a schedule put over HTTP is kept in the store, and the next run runs it. */
  @Test
  void schedulePutOverHttpSurvivesARestartOfTheCommand() throws Exception {
    CommandProcess first = startCommand();
    assertThat(first.lines().getFirst()).contains("0 schedules");
    Http.Resp put = new Http(first.url(), null).put("/v1/schedules/beat",
        "{\"interval\":\"1s\",\"task\":{\"type\":\"beat\",\"queue\":\"beats\",\"payload\":{ \"n\" : 1 }}}");
    assertThat(put.status()).as(put.body()).isEqualTo(200);
    first.process().destroy();
    assertThat(first.process().waitFor(20, TimeUnit.SECONDS)).isTrue();

    Instant restarted = Instant.now();
    CommandProcess second = startCommand();
    assertThat(second.lines().getFirst()).contains("1 schedules");
    Http http = new Http(second.url(), null);
    JsonNode schedule = http.get("/v1/schedules/beat").json();
    assertThat(schedule.get("source").asText()).isEqualTo("store");
    assertThat(schedule.get("interval").asText()).isEqualTo("PT1S");
    // It runs again: ticks after the restart are enqueued, with the payload's bytes as put.
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
      for (JsonNode t : http.get("/v1/tasks?queue=beats&limit=5").json().get("tasks")) {
        if (Instant.parse(t.get("runAt").asText()).isAfter(restarted)) {
          return true;
        }
      }
      return false;
    });
    assertThat(http.get("/v1/tasks?queue=beats&limit=1").body()).contains("\"payload\":{ \"n\" : 1 }");
    assertThat(http.delete("/v1/schedules/beat").status()).isEqualTo(204);
    second.process().destroy();
    assertThat(second.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
  }

  private CommandProcess startCommand(String... extra) throws IOException {
    CommandProcess started = CommandProcess.start(dir, extra);
    processes.add(started.process());
    assertThat(started.lines()).as("one line at startup").hasSize(1);
    return started;
  }
}
