package dev.errand.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code appendonly yes} and {@code appendfsync always}, an enqueue that returned is on disk: a
 * producer in a child JVM enqueues in a loop, the redis-server is killed with SIGKILL and started again
 * on the same directory, and every enqueue the producer saw return is there, intact. Meanwhile the
 * producer sees errors, not successes, and goes on by itself once the server is back.
 */
class RedisKillTest {
  @TempDir
  Path logs;

  @Test
  void everyEnqueueThatReturnedSurvivesASigkillOfTheServer() throws Exception {
    try (RedisServer server = RedisServer.started("--appendonly", "yes", "--appendfsync", "always")) {
      String url = server.url("");
      Path output = logs.resolve("producer.log");
      Process producer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx128m", "-cp", System.getProperty("java.class.path"), EnqueueLoop.class.getName(), url)
          .redirectErrorStream(true).redirectOutput(output.toFile()).start();
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged(output).size() >= 300);
        server.kill();
        int beforeRestart = acknowledged(output).size();
        await().atMost(Duration.ofSeconds(20)).until(() -> errors(output) > 0);
        server.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged(output).size() >= beforeRestart + 200);
      } finally {
        producer.destroyForcibly();
        producer.waitFor();
      }
      List<String[]> acked = acknowledged(output);
      try (RedisStore store = RedisStore.of(url)) {
        List<String> missing = new ArrayList<>();
        for (String[] ack : acked) {
          Optional<Task> task = store.get(TaskId.of(ack[1]));
          if (task.isEmpty()) {
            missing.add(ack[1]);
          } else {
            assertThat(task.get().payload()).isEqualTo(Json.parse("{\"n\":" + ack[2] + "}"));
          }
        }
        assertThat(missing).as("acknowledged enqueues lost, of %d", acked.size()).isEmpty();
      }
    }
  }

  private static List<String[]> acknowledged(Path output) throws IOException {
    List<String[]> out = new ArrayList<>();
    for (String line : lines(output)) {
      if (line.startsWith("ok ")) {
        out.add(line.split(" "));
      }
    }
    return out;
  }

  private static long errors(Path output) throws IOException {
    return lines(output).stream().filter(l -> l.startsWith("error ")).count();
  }

  /** The complete lines printed so far: a last line without its newline may still be being written. */
  private static List<String> lines(Path output) throws IOException {
    String text = Files.readString(output);
    int end = text.lastIndexOf('\n');
    return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
  }
}
