package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Python example worker (examples/python-worker) drains real tasks through the HTTP worker protocol. */
class PythonWorkerExampleTest {
  private static final Path WORKER = Path.of("..", "examples", "python-worker", "worker.py");

  @Test
  void pythonWorkerCompletesGoodTasksAndSendsBadOnesToTheDeadLetterQueue() throws Exception {
    assumeTrue(Files.exists(WORKER), "examples are beside the module");
    assumeTrue(new ProcessBuilder("python3", "--version").start().waitFor() == 0, "python3 is installed");
    try (TestServer s = TestServer.sqlite()) {
      String good = s.http.post("/v1/tasks", "{\"type\":\"send_email\",\"payload\":{\"to\":\"ada@example.com\",\"subject\":\"Hi\"}}")
          .json().get("id").asText();
      String good2 = s.http.post("/v1/tasks", "{\"type\":\"send_email\",\"payload\":{\"to\":\"bob@example.com\"}}")
          .json().get("id").asText();
      String bad = s.http.post("/v1/tasks", "{\"type\":\"send_email\",\"payload\":{\"to\":\"nobody\"}}").json().get("id").asText();
      String unknown = s.http.post("/v1/tasks", "{\"type\":\"resize_image\",\"payload\":{}}").json().get("id").asText();

      ProcessBuilder pb = new ProcessBuilder("python3", WORKER.toString(), "--drain").redirectErrorStream(true);
      pb.environment().put("ERRAND_URL", s.http.base());
      Process p = pb.start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as(output).isZero();

      Task sent = s.errand.get(TaskId.of(good));
      assertThat(sent.state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(sent.result().asString()).isEqualTo("{\"sent\": true}");
      assertThat(s.errand.get(TaskId.of(good2)).state()).as("completed in the same batch").isEqualTo(TaskState.SUCCEEDED);
      assertThat(s.errand.get(TaskId.of(bad)).state()).isEqualTo(TaskState.DEAD);
      assertThat(s.errand.get(TaskId.of(bad)).lastError()).contains("not an address");
      assertThat(s.errand.get(TaskId.of(unknown)).state()).isEqualTo(TaskState.DEAD);
    }
  }
}
