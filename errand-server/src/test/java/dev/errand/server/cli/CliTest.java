package dev.errand.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.errand.core.Errand;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.schedule.Schedule;
import dev.errand.core.spi.ScheduleStore;
import dev.errand.core.testkit.InMemoryTaskStore;
import dev.errand.server.ErrandServer;
import dev.errand.server.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import picocli.CommandLine;

/** The client commands against a real server over HTTP, and --help on every command. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Errand errand = Errand.builder().store(new InMemoryTaskStore()).build();
  private final ErrandServer server = ErrandServer.start(ServerConfig.loopback(0, "memory"), errand);
  private final String url = "http://127.0.0.1:" + server.port();

  @AfterAll
  void stop() {
    server.close();
    errand.close();
  }

  private record Run(int code, String out, String err) {
    JsonNode json() throws Exception {
      return MAPPER.readTree(out);
    }
  }

  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Commands.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void enqueueStatusTasksAndQueuesTalkToTheServer() throws Exception {
    Run enq = run("enqueue", "send_email", "--payload", "{\"to\": \"a@example.com\"}", "--queue", "cli", "--priority", "3",
        "--delay", "1h", "--url", url);
    assertThat(enq.code()).as(enq.err()).isZero();
    String id = enq.json().get("id").asText();
    assertThat(errand.get(TaskId.of(id)).payload().asString()).isEqualTo("{\"to\": \"a@example.com\"}");
    assertThat(enq.json().get("state").asText()).isEqualTo("SCHEDULED");

    Run status = run("status", id, "--url", url);
    assertThat(status.code()).isZero();
    assertThat(status.json().get("priority").asInt()).isEqualTo(3);

    Run tasks = run("tasks", "--queue", "cli", "--state", "SCHEDULED", "--url", url);
    assertThat(tasks.json().get("tasks").get(0).get("id").asText()).isEqualTo(id);
    String created = status.json().get("createdAt").asText();
    assertThat(run("tasks", "--queue", "cli", "--created-after", created, "--url", url).json().get("tasks"))
        .hasSize(1);
    assertThat(run("tasks", "--queue", "cli", "--created-before", created, "--url", url).json().get("tasks"))
        .isEmpty();

    assertThat(run("queues", "pause", "cli", "--url", url).code()).isZero();
    Run queues = run("queues", "--url", url);
    assertThat(queues.json().get("queues").get(0).get("paused").asBoolean()).isTrue();
    assertThat(run("queues", "resume", "cli", "--url", url).code()).isZero();
    assertThat(run("queues", "limits", "cli", "--max-running", "3", "--rate", "2.5", "--burst", "5", "--url", url)
        .json().get("limits").get("ratePerSecond").asDouble()).isEqualTo(2.5);
    assertThat(run("queues", "--url", url).json().get("queues").get(0).get("limits").get("maxRunning").asInt())
        .isEqualTo(3);
    assertThat(run("queues", "limits", "cli", "--url", url).json().get("limits").get("maxRunning").isNull()).isTrue();

    errand.schedule(Schedule.every("cli-beat", Duration.ofMinutes(5), TaskSpec.of("beat", null)));
    JsonNode schedule = run("schedules", "--url", url).json().get("schedules").get(0);
    assertThat(schedule.get("name").asText()).isEqualTo("cli-beat");
    assertThat(schedule.get("source").asText()).isEqualTo("code");
    assertThat(schedule.get("nextFire").asText()).isNotBlank();
    assertThat(schedule.get("lastFire").asText()).isNotBlank();
    Run put = run("schedules", "put", "cli-nightly", "{\"cron\": \"0 3 * * *\", \"task\": {\"type\": \"report\"}}",
        "--url", url);
    assertThat(put.code()).as(put.err()).isZero();
    assertThat(put.json().get("source").asText()).isEqualTo("store");
    assertThat(errand.store().capability(ScheduleStore.class).orElseThrow().storedSchedules()).extracting(s -> s.name()).containsExactly("cli-nightly");
    assertThat(run("schedules", "--url", url).json().get("schedules")).extracting(n -> n.get("name").asText())
        .containsExactly("cli-beat", "cli-nightly");
    Run conflict = run("schedules", "delete", "cli-beat", "--url", url);
    assertThat(conflict.code()).isEqualTo(1);
    assertThat(conflict.err()).contains("\"status\":409");
    assertThat(run("schedules", "disable", "cli-nightly", "--url", url).json().get("enabled").asBoolean()).isFalse();
    assertThat(run("schedules", "enable", "cli-nightly", "--url", url).json().get("enabled").asBoolean()).isTrue();
    assertThat(run("schedules", "run", "cli-nightly", "--url", url).json().get("type").asText()).isEqualTo("report");
    assertThat(run("schedules", "delete", "cli-nightly", "--url", url).code()).isZero();
    assertThat(errand.store().capability(ScheduleStore.class).orElseThrow().storedSchedules()).isEmpty();

    Run dead = run("dead", "list", "--queue", "cli", "--url", url);
    assertThat(dead.json().get("tasks")).isEmpty();
    Run purge = run("dead", "purge", "--queue", "cli", "--url", url);
    assertThat(purge.json().get("purged").asInt()).isZero();
    Run replay = run("dead", "replay", "--url", url);
    assertThat(replay.json().get("replayed").asInt()).isZero();
  }

  @Test
  void problemsGoToStderrWithExitCode1() {
    Run missing = run("status", "0190d0c0-0000-7000-8000-000000000000", "--url", url);
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("\"status\":404");
    assertThat(missing.out()).isEmpty();
    Run bad = run("enqueue", "t", "--payload", "{not json", "--url", url);
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("json is malformed");
    Run down = run("queues", "--url", "http://127.0.0.1:1");
    assertThat(down.code()).isEqualTo(2);
    assertThat(down.err()).contains("cannot reach");
  }

  @Test
  void everyCommandHasHelp() {
    for (String[] args : new String[][] {{"--help"}, {"server", "--help"}, {"enqueue", "--help"}, {"status", "--help"},
        {"tasks", "--help"}, {"dead", "--help"}, {"dead", "replay", "--help"}, {"dead", "list", "--help"},
        {"dead", "purge", "--help"}, {"queues", "--help"}, {"queues", "pause", "--help"},
        {"queues", "limits", "--help"}, {"schedules", "--help"},
        {"schedules", "put", "--help"}, {"schedules", "delete", "--help"}, {"schedules", "enable", "--help"},
        {"schedules", "disable", "--help"}, {"schedules", "run", "--help"}}) {
      Run r = run(args);
      assertThat(r.code()).as(String.join(" ", args) + r.err()).isZero();
      assertThat(r.out()).contains("Usage:");
    }
    assertThat(run("server", "--help").out()).contains("--tokens-file", "--max-payload", "ERRAND_HOST");
  }

  @Test
  void serverRefusesToBindBeyondLoopbackWithoutTokens() {
    Run r = run("server", "--host", "0.0.0.0", "--port", "0", "--store", "memory:");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--tokens-file").contains("ERRAND_TOKENS");
  }
}
