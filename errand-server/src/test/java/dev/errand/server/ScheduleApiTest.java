package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.Task;
import dev.errand.core.TaskSpec;
import dev.errand.core.schedule.Schedule;
import dev.errand.core.spi.StoredSchedule;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Schedules over HTTP on a real server whose Errand runs its schedules. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScheduleApiTest {
  private final TestServer s = TestServer.sqlite();
  private final Http http = s.http;

  @BeforeAll
  void startScheduler() {
    s.errand.start();
  }

  @AfterAll
  void stop() {
    s.close();
  }

  @Test
  void scheduleIsPutListedFiredAndDeleted() {
    Http.Resp put = http.put("/v1/schedules/every-second",
        "{\"interval\":\"1s\",\"task\":{\"type\":\"tick\",\"queue\":\"sched\",\"payload\":{\"n\":1}}}");
    assertThat(put.status()).as(put.body()).isEqualTo(200);
    JsonNode info = put.json();
    assertThat(info.get("name").asText()).isEqualTo("every-second");
    assertThat(info.get("source").asText()).isEqualTo("store");
    assertThat(s.store.storedSchedules()).extracting(StoredSchedule::name).containsExactly("every-second");
    assertThat(info.get("interval").asText()).isEqualTo("PT1S");
    assertThat(info.get("task").get("queue").asText()).isEqualTo("sched");
    assertThat(Instant.parse(info.get("nextFire").asText())).isAfter(Instant.parse(info.get("lastFire").asText()));

    assertThat(http.get("/v1/schedules").json().get("schedules")).extracting(n -> n.get("name").asText())
        .contains("every-second");
    assertThat(http.get("/v1/schedules/every-second").json().get("missedTicks").asText()).isEqualTo("skip");

    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> scheduled("sched").size() >= 2);
    assertThat(scheduled("sched")).allSatisfy(t -> {
      assertThat(t.idempotencyKey()).startsWith("schedule:every-second:");
      assertThat(t.payload().asString()).isEqualTo("{\"n\":1}");
    });

    assertThat(http.delete("/v1/schedules/every-second").status()).isEqualTo(204);
    assertThat(s.store.storedSchedules()).isEmpty();
    assertThat(http.get("/v1/schedules/every-second").status()).isEqualTo(404);
    assertThat(http.delete("/v1/schedules/every-second").status()).isEqualTo(404);
  }

  @Test
  void cronScheduleInAZoneReportsItsFireTimes() {
    Http.Resp put = http.put("/v1/schedules/nightly",
        "{\"cron\":\"0 3 * * *\",\"zone\":\"Europe/Berlin\",\"missedTicks\":\"catch-up-one\",\"enabled\":false,"
            + "\"task\":{\"type\":\"report\",\"queue\":\"reports\"}}");
    assertThat(put.status()).as(put.body()).isEqualTo(200);
    assertThat(put.json().get("zone").asText()).isEqualTo("Europe/Berlin");
    assertThat(put.json().get("missedTicks").asText()).isEqualTo("catch-up-one");
    assertThat(put.json().get("nextFire").isNull()).as("a disabled schedule fires nothing").isTrue();
    assertThat(http.delete("/v1/schedules/nightly").status()).isEqualTo(204);
  }

  @Test
  void badScheduleIs422NamingEachField() {
    Http.Resp r = http.put("/v1/schedules/bad", "{\"cron\":\"not a cron\",\"interval\":\"1s\",\"zone\":\"Mars/Base\","
        + "\"missedTicks\":\"never\",\"color\":1,\"task\":{\"type\":\"t\",\"runAt\":\"2030-01-01T00:00:00Z\"}}");
    assertThat(r.status()).isEqualTo(422);
    Set<String> fields = new HashSet<>();
    r.json().get("errors").forEach(e -> fields.add(e.get("field").asText()));
    assertThat(fields).contains("cron", "zone", "missedTicks", "color", "task.runAt");
    Http.Resp noTask = http.put("/v1/schedules/bad", "{\"interval\":\"1s\"}");
    assertThat(noTask.status()).isEqualTo(422);
    assertThat(noTask.json().get("errors").get(0).get("field").asText()).isEqualTo("task");
    assertThat(http.put("/v1/schedules/bad", "{\"interval\":\"10ms\",\"task\":{\"type\":\"t\"}}").status())
        .isEqualTo(422);
    assertThat(http.put("/v1/schedules/bad", "{\"interval\":\"1s\",\"task\":{\"type\":\"t\"},\"tolerance\":\"1h\"}")
        .status()).isEqualTo(422);
    assertThat(http.get("/v1/schedules/bad").status()).as("nothing was registered").isEqualTo(404);
    assertThat(s.store.storedSchedules()).as("nothing was stored").isEmpty();
    assertThat(http.get("/v1/schedules/Not%20A%20Name").status()).isEqualTo(404);
  }

  private List<Task> scheduled(String queue) {
    return s.errand.list(new TaskQuery(queue, null, null, 100, null)).tasks();
  }

  @Test
  void nameOfAConfigFileScheduleIsA409ForPutAndDelete() {
    // The config file's schedules are registered as code is.
    s.errand.schedule(Schedule.every("from-config", Duration.ofHours(1), TaskSpec.builder("t").build()));
    try {
      assertThat(http.get("/v1/schedules/from-config").json().get("source").asText()).isEqualTo("code");
      Http.Resp put = http.put("/v1/schedules/from-config", "{\"interval\":\"1s\",\"task\":{\"type\":\"t\"}}");
      assertThat(put.status()).isEqualTo(409);
      assertThat(put.json().get("detail").asText()).contains("from-config").contains("config file");
      assertThat(http.delete("/v1/schedules/from-config").status()).isEqualTo(409);
      assertThat(s.store.storedSchedules()).isEmpty();
      assertThat(http.get("/v1/schedules/from-config").json().get("interval").asText()).isEqualTo("PT1H");
    } finally {
      s.errand.unschedule("from-config");
    }
  }

  @Test
  void scheduleStoredThroughOneServerIsSeenAndDeletedThroughAnother() {
    InMemoryTaskStore shared = new InMemoryTaskStore();
    try (TestServer one = TestServer.on(shared); TestServer two = TestServer.on(shared)) {
      Http.Resp put = one.http.put("/v1/schedules/shared",
          "{\"cron\":\"0 3 * * *\",\"task\":{\"type\":\"report\",\"payload\":{ \"kind\" : \"daily\" }}}");
      assertThat(put.status()).as(put.body()).isEqualTo(200);
      Http.Resp seen = two.http.get("/v1/schedules/shared");
      assertThat(seen.json().get("source").asText()).isEqualTo("store");
      assertThat(seen.json().get("cron").asText()).isEqualTo("0 3 * * *");
      assertThat(seen.body()).as("the payload's bytes, as put").contains("\"payload\":{ \"kind\" : \"daily\" }");
      assertThat(two.http.delete("/v1/schedules/shared").status()).isEqualTo(204);
      assertThat(one.http.get("/v1/schedules/shared").status()).isEqualTo(404);
      assertThat(one.http.delete("/v1/schedules/shared").status()).isEqualTo(404);
    }
  }

  @Test
  void scheduleIsDisabledEnabledAndRunNowOverHttp() {
    assertThat(http.put("/v1/schedules/actions", "{\"cron\":\"0 */5 * * * *\",\"task\":{\"type\":\"act\","
        + "\"queue\":\"actions\"}}").status()).isEqualTo(200);
    Http.Resp disabled = http.post("/v1/schedules/actions/disable", null);
    assertThat(disabled.status()).as(disabled.toString()).isEqualTo(200);
    assertThat(disabled.json().get("enabled").asBoolean()).isFalse();
    assertThat(disabled.json().get("cron").asText()).isEqualTo("0 */5 * * * *");
    assertThat(http.get("/v1/schedules/actions").json().get("enabled").asBoolean()).isFalse();
    Http.Resp enabled = http.post("/v1/schedules/actions/enable", null);
    assertThat(enabled.json().get("enabled").asBoolean()).isTrue();
    assertThat(enabled.json().get("nextFire").isNull()).isFalse();

    Http.Resp run = http.post("/v1/schedules/actions/run", null);
    assertThat(run.status()).as(run.toString()).isEqualTo(201);
    assertThat(run.json().get("type").asText()).isEqualTo("act");
    assertThat(run.json().get("queue").asText()).isEqualTo("actions");
    // Enabled within the tolerance after a five-minute tick, the scheduler also enqueues that tick:
    // it carries the tick's key, the run does not.
    List<String> unkeyed = new java.util.ArrayList<>();
    http.get("/v1/tasks?queue=actions").json().get("tasks").forEach(t -> {
      if (t.hasNonNull("idempotencyKey")) {
        assertThat(t.get("idempotencyKey").asText()).startsWith("schedule:actions:");
      } else {
        unkeyed.add(t.get("id").asText());
      }
    });
    assertThat(unkeyed).containsExactly(run.json().get("id").asText());

    assertThat(http.post("/v1/schedules/nope/run", null).status()).isEqualTo(404);
    assertThat(http.post("/v1/schedules/nope/enable", null).status()).isEqualTo(404);
    assertThat(http.delete("/v1/schedules/actions").status()).isEqualTo(204);
  }
}
