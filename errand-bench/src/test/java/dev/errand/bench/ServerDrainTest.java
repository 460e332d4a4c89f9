package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.TaskStoreProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * server-drain against a real server child process started with the project's JVM options file, HTTP
 * workers in a JVM of their own, and the server's memory read from /proc. Skipped without the server jar,
 * as the command skips the scenario.
 */
class ServerDrainTest {
  static final Path SERVER_JAR = Path.of("..", "errand-server", "target", "errand-server.jar").toAbsolutePath();
  static final Path JVM_OPTIONS = Path.of("..", "errand-server", "jvm.options").toAbsolutePath();

  @TempDir
  Path dir;

  @BeforeEach
  void needsTheServerJar() {
    Assumptions.assumeTrue(Files.isRegularFile(SERVER_JAR), "no server jar at " + SERVER_JAR);
  }

  static BenchSettings settings(int n) {
    return settings(n, true);
  }

  static BenchSettings settings(int n, boolean completeBatch) {
    return new BenchSettings(n, 10, 100, 20, 16, 1, 0, 100, 2, 5, Duration.ofSeconds(120), SERVER_JAR, JVM_OPTIONS,
        completeBatch);
  }

  @Test
  void drainsOverHttpChecksEveryTaskAndReportsTheServersMemory() throws Exception {
    List<Measurement> result = new ServerDrainScenario().run(new StoreTarget.Sqlite("sqlite:" + dir), settings(1_000));

    assertThat(result).singleElement().satisfies(m -> {
      assertThat(m.scenario()).isEqualTo("server-drain");
      assertThat(m.variant()).isEqualTo("http-workers");
      assertThat(m.n()).isEqualTo(1_000);
      assertThat(m.metrics().get("tasks_per_s")).isPositive();
      double peak = m.metrics().get("peak_rss_mib");
      // A JVM serving HTTP is tens of MiB at least; the peak covers every sample taken while draining.
      assertThat(peak).isGreaterThan(20);
      assertThat(m.metrics().get("max_sampled_rss_mib")).isPositive().isLessThanOrEqualTo(peak);
      assertThat(m.metrics().get("median_rss_mib")).isPositive().isLessThanOrEqualTo(m.metrics().get("max_sampled_rss_mib"));
      assertThat(m.metrics().get("ready_rss_mib")).isPositive().isLessThanOrEqualTo(peak);
      assertThat(m.metrics().get("server_cpu_us_per_task")).isPositive();
    });
    try (var left = Files.list(dir)) {
      assertThat(left).as("the run's store was removed").isEmpty();
    }
  }

  @Test
  void drainsWithOneCompletePerTaskWhenAsked() throws Exception {
    List<Measurement> result = new ServerDrainScenario().run(new StoreTarget.Sqlite("sqlite:" + dir),
        settings(500, false));

    assertThat(result).singleElement().satisfies(m -> {
      assertThat(m.variant()).isEqualTo("http-workers-single-complete");
      assertThat(m.n()).isEqualTo(500);
      assertThat(m.metrics().get("tasks_per_s")).isPositive();
    });
  }

  @Test
  void aTaskTheBenchNeverEnqueuedFailsTheRun() {
    StoreTarget.Sqlite sqlite = new StoreTarget.Sqlite("sqlite:" + dir);
    StoreTarget seeded = new StoreTarget() {
      @Override
      public String url() {
        return sqlite.url();
      }

      @Override
      public String version() {
        return sqlite.version();
      }

      @Override
      public FreshLocation freshLocation() {
        FreshLocation location = sqlite.freshLocation();
        try (TaskStore store = TaskStoreProvider.openUrl(location.url())) {
          Errand.builder().store(store).build().enqueue(TaskSpec.builder(CountingWorkers.TYPE)
              .id(TaskId.of("stranger-1")).payload(Json.parse("1")).build());
        }
        return location;
      }
    };

    assertThatThrownBy(() -> new ServerDrainScenario().run(seeded, settings(200)))
        .isInstanceOf(CorrectnessException.class)
        .hasMessageContaining("1 never enqueued");
  }

  @Test
  void withoutTheServerJarTheScenarioMeasuresNothing() throws Exception {
    BenchSettings noJar = new BenchSettings(10, 1, 10, 10, 16, 1, 0, 100, 1, 5, Duration.ofSeconds(10), null, null, true);
    assertThat(new ServerDrainScenario().run(new StoreTarget.Sqlite("sqlite:" + dir), noJar)).isEmpty();
  }
}
