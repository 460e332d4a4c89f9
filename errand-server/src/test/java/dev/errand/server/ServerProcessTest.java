package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code errand server} process as a container runs it: configured by environment variables,
 * logging to stdout (plain or JSON), and stopped by SIGTERM, after which it exits 0.
 */
class ServerProcessTest {
  @TempDir
  Path dir;
  /** The one server each test starts, killed after it in case the test failed before stopping it. */
  private Process child;

  @AfterEach
  void killLeftover() {
    if (child != null) {
      child.destroyForcibly();
    }
  }

  /**
   * SIGTERM is a graceful stop: a worker's parked long poll is answered 503 with Retry-After (so it claims
   * again elsewhere), the server says it stopped, and the process exits 0, not 143.
   */
  @Test
  void sigtermReleasesParkedClaimsAndExitsZero() throws Exception {
    CommandProcess server = start(Map.of());
    Http http = new Http(server.url(), null);
    CompletableFuture<Http.Resp> parked = CompletableFuture.supplyAsync(
        () -> http.post("/v1/queues/idle/claim", "{\"workerId\":\"parked-worker\",\"waitSeconds\":50}"));
    await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/v1/stats").body().contains("parked-worker"));

    sigterm(server);
    assertThat(server.process().waitFor(20, TimeUnit.SECONDS)).as("exited").isTrue();
    assertThat(server.process().exitValue()).isZero();
    Http.Resp answer = parked.get(10, TimeUnit.SECONDS);
    assertThat(answer.status()).as(answer.toString()).isEqualTo(503);
    assertThat(answer.header("Retry-After")).isNotBlank();
    List<String> after = new ArrayList<>();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      server.more().drainTo(after);
      assertThat(after).anyMatch(l -> l.contains("errand-server stopped"));
    });
  }

  /**
   * ERRAND_LOG_FORMAT=json: with stderr thrown away, every line the server writes is a JSON object with
   * the level, the logger and the message, from start-up to its stop.
   */
  @Test
  void jsonLogLinesOnStdoutCarryLevelLoggerAndMessage() throws Exception {
    CommandProcess server = start(Map.of("ERRAND_LOG_FORMAT", "json"));
    sigterm(server);
    assertThat(server.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(server.process().exitValue()).isZero();
    List<String> lines = new ArrayList<>(server.lines());
    await().atMost(Duration.ofSeconds(5)).until(() -> {
      server.more().drainTo(lines);
      return lines.stream().anyMatch(l -> l.contains("stopped"));
    });
    List<JsonNode> records = new ArrayList<>();
    for (String line : lines) {
      records.add(Http.MAPPER.readTree(line));
    }
    assertThat(records).allSatisfy(r -> {
      assertThat(r.path("level").asText()).isNotBlank();
      assertThat(r.path("logger_name").asText()).startsWith("dev.errand.");
      assertThat(r.path("@timestamp").asText()).isNotBlank();
    });
    JsonNode listening = records.getFirst();
    assertThat(listening.get("level").asText()).isEqualTo("INFO");
    assertThat(listening.get("logger_name").asText()).isEqualTo(ErrandServer.class.getName());
    assertThat(listening.get("message").asText()).startsWith("errand-server listening on " + server.url());
  }

  /** The default format is plain text, on stdout too (stderr is discarded here). */
  @Test
  void plainLogLinesGoToStdout() throws Exception {
    CommandProcess server = start(Map.of("ERRAND_LOG_FORMAT", ""));
    assertThat(server.lines().getLast()).contains(" INFO  ErrandServer - errand-server listening on ");
  }

  /**
   * Variables configure the real process (ERRAND_MAX_WAIT caps a long poll at 1 s, so asking for 30 is a
   * 422 naming the field), and a flag wins over its variable (--data over ERRAND_DATA).
   */
  @Test
  void environmentVariablesConfigureTheServerAndFlagsWin() throws Exception {
    Path ignored = dir.resolve("from-env");
    CommandProcess server = start(Map.of("ERRAND_MAX_WAIT", "1", "ERRAND_DATA", ignored.toString()));
    assertThat(server.store()).isEqualTo("sqlite:" + dir);
    Http.Resp r = new Http(server.url(), null).post("/v1/queues/idle/claim", "{\"workerId\":\"w\",\"waitSeconds\":30}");
    assertThat(r.status()).as(r.toString()).isEqualTo(422);
    assertThat(r.body()).contains("waitSeconds");
  }

  /** SIGTERM; unlike Process.destroy, which also closes the pipes, the output after it can be read. */
  private static void sigterm(CommandProcess server) {
    assertThat(server.process().toHandle().destroy()).isTrue();
  }

  private CommandProcess start(Map<String, String> env) throws Exception {
    CommandProcess started = CommandProcess.start(dir, env, true);
    child = started.process();
    return started;
  }
}
