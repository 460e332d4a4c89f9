package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP enqueue variants against a real server child process and a separate load-generating JVM.
 * Needs the server's runnable jar (built by the reactor before this module once the server is in it);
 * without it the test is skipped, as the command skips those variants.
 */
class HttpEnqueueTest {
  private static final Path SERVER_JAR = ServerDrainTest.SERVER_JAR;

  @TempDir
  Path dir;

  @Test
  void httpSingleAndBatchEnqueueAreMeasuredAndChecked() throws Exception {
    Assumptions.assumeTrue(Files.isRegularFile(SERVER_JAR), "no server jar at " + SERVER_JAR.toAbsolutePath());
    BenchSettings s = new BenchSettings(300, 10, 50, 20, 16, 1, 0, 100, 1, 5, Duration.ofSeconds(60),
        SERVER_JAR, ServerDrainTest.JVM_OPTIONS, true);
    List<Measurement> result = new EnqueueScenario().run(new StoreTarget.Sqlite("sqlite:" + dir), s);
    assertThat(result).extracting(Measurement::variant)
        .containsExactly("java-single", "java-batch", "http-single", "http-batch");
    assertThat(result).allSatisfy(m -> assertThat(m.metrics().get("tasks_per_s")).isPositive());
  }
}
