package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python example worker (examples/python-worker, on the client in clients/python) works its own queue
 * through the HTTP worker protocol and stops cleanly on SIGTERM. The client's own tests are in clients/python.
 */
class PythonWorkerExampleTest {
  private static final Path WORKER = Path.of("..", "examples", "python-worker", "worker.py");

  @Test
  void pythonWorkerCompletesGoodTasksAndSendsBadOnesToTheDeadLetterQueue(@TempDir Path dir) throws Exception {
    assumeTrue(Files.exists(WORKER), "examples are beside the module");
    assumeTrue(new ProcessBuilder("python3", "--version").start().waitFor() == 0, "python3 is installed");
    try (TestServer s = TestServer.sqlite()) {
      String good = s.http.post("/v1/tasks", "{\"type\":\"send_email\",\"queue\":\"emails\",\"payload\":{\"to\":\"ada@example.com\",\"subject\":\"Hi\"}}")
          .json().get("id").asText();
      String bad = s.http.post("/v1/tasks", "{\"type\":\"send_email\",\"queue\":\"emails\",\"payload\":{\"to\":\"nobody\"}}")
          .json().get("id").asText();
      String unknown = s.http.post("/v1/tasks", "{\"type\":\"resize_image\",\"queue\":\"emails\",\"payload\":{}}")
          .json().get("id").asText();
      String elsewhere = s.http.post("/v1/tasks", "{\"type\":\"resize_image\",\"payload\":{}}").json().get("id").asText();

      Path log = dir.resolve("worker.log");
      ProcessBuilder pb = new ProcessBuilder("python3", WORKER.toString()).redirectErrorStream(true)
          .redirectOutput(log.toFile()); // destroy() closes a pipe; a file keeps what the worker said
      pb.environment().put("ERRAND_URL", s.http.base());
      Process p = pb.start();
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> List.of(good, bad, unknown).stream()
            .allMatch(id -> s.errand.get(TaskId.of(id)).state().isFinal()));
      } finally {
        p.destroy(); // SIGTERM: the worker stops claiming and exits 0
      }
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      String output = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as(output).isZero();

      Task sent = s.errand.get(TaskId.of(good));
      assertThat(sent.state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(sent.result().asString()).isEqualTo("{\"sent\":true}");
      assertThat(s.errand.get(TaskId.of(bad)).state()).isEqualTo(TaskState.DEAD);
      assertThat(s.errand.get(TaskId.of(bad)).lastError()).contains("not an address");
      assertThat(s.errand.get(TaskId.of(unknown)).state()).isEqualTo(TaskState.DEAD);
      assertThat(s.errand.get(TaskId.of(unknown)).lastError()).contains("no handler for type resize_image on worker py-");
      assertThat(s.errand.get(TaskId.of(elsewhere)).state()).as("the default queue is not its own").isEqualTo(TaskState.READY);
    }
  }
}
