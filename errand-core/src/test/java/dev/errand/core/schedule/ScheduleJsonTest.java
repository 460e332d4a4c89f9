package dev.errand.core.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.Json;
import dev.errand.core.TaskSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/**
 * The definition codec: what it encodes decodes to the same schedule, payload bytes and all, and a
 * definition it did not write is refused naming the field rather than half read.
 */
class ScheduleJsonTest {
  /** Whitespace, key order, non-ASCII and a decimal: any re-encoding would change these bytes. */
  private static final Json PAYLOAD = Json.parse("{ \"n\" : 1,\n  \"b\" : \"ünï ✓\", \"a\" : [1, 2.50] }");

  private static Schedule full() {
    return Schedule.builder("nightly").cron("30 2 * * *").zone(ZoneId.of("Europe/Berlin"))
        .missedTicks(MissedTickPolicy.CATCH_UP_ONE).enabled(false).tolerance(Duration.ofSeconds(42))
        .startAt(Instant.parse("2030-01-01T00:00:00.123Z"))
        .task(TaskSpec.builder("report").queue("reports").payload(PAYLOAD).priority(7).maxAttempts(3)
            .timeout(Duration.ofMinutes(5)).backoff(Duration.ofSeconds(2), Duration.ofMinutes(1)).build())
        .build();
  }

  private static void assertSameSchedule(Schedule actual, Schedule expected) {
    assertThat(actual.toString()).isEqualTo(expected.toString());
    TaskSpec a = actual.task();
    TaskSpec e = expected.task();
    assertThat(a).as("task %s vs %s", a, e).usingRecursiveComparison().isEqualTo(e);
    assertThat(a.payload().toByteArray()).isEqualTo(e.payload().toByteArray());
  }

  @Test
  void everyFieldSurvivesARoundTrip() {
    Schedule cron = full();
    Schedule decoded = ScheduleJson.decode("nightly", ScheduleJson.encode(cron));
    assertSameSchedule(decoded, cron);
    assertThat(decoded.nextTick(Instant.parse("2031-03-30T00:00:00Z")))
        .isEqualTo(cron.nextTick(Instant.parse("2031-03-30T00:00:00Z")));

    Schedule interval = Schedule.every("beat", Duration.ofMillis(1500), TaskSpec.builder("ping").build());
    assertSameSchedule(ScheduleJson.decode("beat", ScheduleJson.encode(interval)), interval);
  }

  @Test
  void encodingIsDeterministicAndInTheApiShape() {
    Schedule s = Schedule.every("beat", Duration.ofSeconds(30), TaskSpec.builder("ping").payload(PAYLOAD).build());
    assertThat(ScheduleJson.encode(s)).isEqualTo(ScheduleJson.encode(Schedule.every("beat", Duration.ofSeconds(30),
        TaskSpec.builder("ping").payload(PAYLOAD).build())));
    assertThat(ScheduleJson.encode(s).asString()).isEqualTo("{\"cron\":null,\"interval\":\"PT30S\",\"zone\":\"Z\","
        + "\"missedTicks\":\"skip\",\"enabled\":true,\"tolerance\":\"PT10S\",\"startAt\":null,\"task\":{\"type\":\"ping\","
        + "\"queue\":\"default\",\"payload\":" + PAYLOAD.asString() + ",\"priority\":0}}");
  }

  @Test
  void scalarPayloadsKeepTheirBytes() {
    for (String payload : new String[] {"null", "12.50", "\"caf\\u00e9\"", "true", "[ ]"}) {
      Schedule s = Schedule.every("s", Duration.ofSeconds(1), TaskSpec.builder("t").payload(Json.parse(payload)).build());
      assertThat(ScheduleJson.decode("s", ScheduleJson.encode(s)).task().payload().asString()).isEqualTo(payload);
    }
  }

  @Test
  void absentOptionalFieldsTakeTheDefaults() {
    Schedule s = ScheduleJson.decode("s", Json.parse("{\"interval\":\"PT1M\",\"task\":{\"type\":\"t\"}}"));
    assertThat(s.interval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(s.missedTicks()).isEqualTo(MissedTickPolicy.SKIP);
    assertThat(s.tolerance()).isEqualTo(Schedule.DEFAULT_TOLERANCE);
    assertThat(s.task().payload()).isEqualTo(Json.NULL);
    assertThat(s.task().queue()).isEqualTo(TaskSpec.DEFAULT_QUEUE);
  }

  @Test
  void aDefinitionItDidNotWriteIsRefusedNamingTheField() {
    assertThatThrownBy(() -> ScheduleJson.decode("s", Json.parse("{\"interval\":\"PT1M\",\"jitter\":\"PT1S\","
        + "\"task\":{\"type\":\"t\"}}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jitter is not a known field");
    assertThatThrownBy(() -> ScheduleJson.decode("s", Json.parse("{\"interval\":\"PT1M\",\"task\":{\"type\":\"t\","
        + "\"color\":1}}"))).hasMessageContaining("task.color is not a known field");
    assertThatThrownBy(() -> ScheduleJson.decode("s", Json.parse("{\"interval\":\"PT1M\"}")))
        .hasMessageContaining("task is required");
    assertThatThrownBy(() -> ScheduleJson.decode("s", Json.parse("{\"interval\":60,\"task\":{\"type\":\"t\"}}")))
        .hasMessageContaining("interval must be a string");
    assertThatThrownBy(() -> ScheduleJson.decode("s", Json.parse("{\"interval\":\"soon\",\"task\":{\"type\":\"t\"}}")))
        .hasMessageContaining("interval must be an ISO-8601 duration");
    assertThatThrownBy(() -> ScheduleJson.decode("s", Json.parse("{\"cron\":\"0 3 * * *\",\"zone\":\"Mars/Base\","
        + "\"task\":{\"type\":\"t\"}}"))).hasMessageContaining("zone is not valid");
    assertThatThrownBy(() -> ScheduleJson.decode("s", Json.parse("{\"interval\":\"PT1M\",\"missedTicks\":\"never\","
        + "\"task\":{\"type\":\"t\"}}"))).hasMessageContaining("missedTicks must be skip or catch-up-one");
    assertThatThrownBy(() -> ScheduleJson.decode("s", Json.parse("{\"interval\":\"PT1M\",\"task\":{\"type\":\"t\","
        + "\"priority\":12}}"))).hasMessageContaining("priority");
    assertThatThrownBy(() -> ScheduleJson.decode("s", Json.parse("[1]"))).hasMessageContaining("must be a JSON object");
  }

  @Test
  void policiesAreSpelledAsTheApiSpellsThem() {
    assertThat(ScheduleJson.policyName(MissedTickPolicy.CATCH_UP_ONE)).isEqualTo("catch-up-one");
    for (MissedTickPolicy p : MissedTickPolicy.values()) {
      assertThat(ScheduleJson.policy(ScheduleJson.policyName(p))).isEqualTo(p);
    }
  }
}
