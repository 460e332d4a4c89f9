package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * Each scenario, run through the command with a tiny N on a real SQLite store, passes its exactly-once
 * check and prints what the issue asks for: one JSON line per run with the run index, one summary line
 * with medians and spread, the machine and every setting, and a table.
 */
class BenchCommandTest {
  @TempDir
  Path dir;

  private record Output(int exitCode, String table, List<JsonNode> lines) {
    List<JsonNode> kind(String kind) {
      return lines.stream().filter(l -> l.path("kind").asText().equals(kind)).toList();
    }
  }

  private Output bench(String... args) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new BenchCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    List<JsonNode> lines = new ArrayList<>();
    StringBuilder table = new StringBuilder();
    for (String line : out.toString().split("\n")) {
      if (line.startsWith("{")) {
        lines.add(Json.DEFAULT_MAPPER.readTree(line));
      } else {
        table.append(line).append('\n');
      }
    }
    return new Output(code, table.toString(), lines);
  }

  @ParameterizedTest
  @ValueSource(strings = {"drain", "steady", "latency", "enqueue", "backlog", "history"})
  void eachScenarioRunsCheckedAndReportsItsNumbers(String scenario) throws Exception {
    Output o = bench(scenario, "--store", "sqlite:" + dir, "--n", "400", "--runs", "2", "--warmup", "0",
        "--concurrency", "20", "--batch", "100", "--claim-batch", "20", "--rate", "400", "--claims", "5");

    assertThat(o.exitCode()).isZero();
    assertThat(o.kind("failure")).isEmpty();
    List<JsonNode> runs = o.kind("run");
    assertThat(runs).isNotEmpty();
    assertThat(runs).extracting(r -> r.path("run").asInt()).contains(0, 1);
    for (JsonNode r : runs) {
      assertThat(r.path("scenario").asText()).isEqualTo(scenario);
      assertThat(r.path("store").asText()).isEqualTo("sqlite:" + dir);
      assertThat(r.path("store_version").asText()).startsWith("sqlite 3.");
      assertThat(r.path("n").asLong()).isPositive();
      assertHeadline(r, "");
      assertThat(r.path("machine").path("cores").asInt()).isPositive();
      assertThat(r.path("machine").path("jdk").asText()).isNotBlank();
      assertThat(r.path("settings").path("runs").asInt()).isEqualTo(2);
      assertThat(r.path("settings").path("concurrency").asInt()).isEqualTo(20);
      assertThat(r.path("settings").path("payload_bytes").asInt()).isEqualTo(16);
      if (scenario.equals("latency")) {
        // the machine's own hand-off, timed in the same run
        assertThat(r.path("handoff_p50_ms").asDouble()).isPositive();
        assertThat(r.path("handoff_p99_ms").asDouble()).isGreaterThanOrEqualTo(r.path("handoff_p50_ms").asDouble());
      }
    }
    List<JsonNode> summaries = o.kind("summary");
    assertThat(summaries).isNotEmpty();
    for (JsonNode s : summaries) {
      assertThat(s.path("runs").asInt()).isEqualTo(2);
      assertHeadline(s, "");
      assertHeadline(s, "_min");
      assertHeadline(s, "_max");
    }
    assertThat(o.table()).contains("median", "min", "max", scenario);
    // The directory held one fresh store per run; each was removed after its run.
    try (var left = java.nio.file.Files.list(dir)) {
      assertThat(left).isEmpty();
    }
  }

  private static void assertHeadline(JsonNode line, String suffix) {
    if (line.has("tasks_per_s")) {
      assertThat(line.path("tasks_per_s" + suffix).asDouble()).isPositive();
    } else if (line.has("queues_p50_ms")) {
      assertThat(line.path("queues_p50_ms" + suffix).asDouble()).isPositive();
      assertThat(line.path("queues_max_ms" + suffix).asDouble())
          .isGreaterThanOrEqualTo(line.path("queues_p50_ms" + suffix).asDouble());
    } else {
      assertThat(line.path("p50_ms" + suffix).asDouble()).isPositive();
      assertThat(line.path("p99_ms" + suffix).asDouble()).isGreaterThanOrEqualTo(line.path("p50_ms" + suffix).asDouble());
      assertThat(line.path("max_ms" + suffix).asDouble()).isGreaterThanOrEqualTo(line.path("p99_ms" + suffix).asDouble());
    }
  }

  @org.junit.jupiter.api.Test
  void anUnreachableStoreFailsItsScenariosAndTheOtherStoreStillReports() throws Exception {
    Output o = bench("drain", "--store", "postgres://nobody@127.0.0.1:1/none", "--store", "sqlite:" + dir,
        "--n", "200", "--runs", "1", "--warmup", "0", "--concurrency", "20", "--claim-batch", "20");

    assertThat(o.exitCode()).isEqualTo(2);
    assertThat(o.kind("failure")).singleElement()
        .satisfies(f -> assertThat(f.path("error").asText()).startsWith("store unreachable"));
    assertThat(o.kind("summary")).singleElement()
        .satisfies(s -> assertThat(s.path("store").asText()).isEqualTo("sqlite:" + dir));
  }
}
