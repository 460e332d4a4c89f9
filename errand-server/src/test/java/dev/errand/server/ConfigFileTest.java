package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.Errand;
import dev.errand.core.Task;
import dev.errand.core.QueueLimits;
import dev.errand.core.schedule.MissedTickPolicy;
import dev.errand.core.schedule.ScheduleInfo;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.testkit.InMemoryTaskStore;
import dev.errand.server.internal.ConfigFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's config file: queue limits and schedules, checked whole before anything is applied. */
class ConfigFileTest {
  @TempDir
  Path dir;

  @Test
  void limitsAndSchedulesAreReadAndApplied() throws Exception {
    Path file = dir.resolve("errand.json");
    Files.writeString(file, """
        {
          "queues": {"emails": {"maxRunning": 5, "ratePerSecond": 50, "burst": 10}, "slow": {"maxRunning": 1}},
          "schedules": {
            "nightly": {"cron": "0 3 * * *", "zone": "Europe/Berlin", "missedTicks": "catch-up-one",
                        "task": {"type": "report", "queue": "reports", "payload": {"kind": "daily"}}},
            "heartbeat": {"interval": "30s", "task": {"type": "ping"}}
          }
        }
        """);
    ConfigFile config = ConfigFile.read(file, 1 << 20);
    try (Errand errand = Errand.builder().store(new InMemoryTaskStore()).runWorkers(false).build()) {
      config.applyTo(errand);
      assertThat(errand.queues()).filteredOn(q -> q.queue().equals("emails")).singleElement()
          .extracting(QueueInfo::limits).isEqualTo(new QueueLimits(5, 50.0, 10));
      assertThat(errand.queues()).filteredOn(q -> q.queue().equals("slow")).singleElement()
          .extracting(QueueInfo::limits).isEqualTo(QueueLimits.concurrency(1));
      assertThat(errand.schedules()).extracting(ScheduleInfo::name).containsExactlyInAnyOrder("nightly", "heartbeat");
      ScheduleInfo nightly = errand.schedules().stream().filter(i -> i.name().equals("nightly")).findFirst().orElseThrow();
      assertThat(nightly.schedule().zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
      assertThat(nightly.schedule().missedTicks()).isEqualTo(MissedTickPolicy.CATCH_UP_ONE);
      assertThat(nightly.schedule().task().payload().asString()).isEqualTo("{\"kind\": \"daily\"}");
      assertThat(nightly.nextFire()).isNotNull();
    }
  }

  @Test
  void everyBadFieldIsNamedAndNothingIsApplied() throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, """
        {"queues": {"q": {"maxRunning": 0}, "Bad Name": {}},
         "schedules": {"s": {"cron": "nope", "task": {"type": "t", "delay": "1s"}}},
         "extra": true}
        """);
    assertThatThrownBy(() -> ConfigFile.read(file, 1 << 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("queues.q.maxRunning")
        .hasMessageContaining("queues.Bad Name")
        .hasMessageContaining("schedules.s.cron")
        .hasMessageContaining("schedules.s.task.delay")
        .hasMessageContaining("extra");
    Files.writeString(file, "{\"queues\": [");
    assertThatThrownBy(() -> ConfigFile.read(file, 1 << 20)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed JSON");
  }

  @Test
  void typeDefaultsGiveTheirTasksRetryPolicyAndTimeout() throws Exception {
    Path file = dir.resolve("types.json");
    Files.writeString(file, """
        {"types": {"send_email": {"maxAttempts": 5, "retry": {"base": "2s", "cap": "10m"}, "timeout": "1m"},
                   "report": {"timeout": "2h"}}}
        """);
    ConfigFile config = ConfigFile.read(file, 1 << 20);
    Errand.Builder b = Errand.builder().store(new InMemoryTaskStore()).runWorkers(false);
    config.applyTo(b);
    try (Errand errand = b.build()) {
      Task email = errand.enqueue(dev.errand.core.TaskSpec.of("send_email", null)).task();
      assertThat(email.retry()).isEqualTo(new dev.errand.core.RetryPolicy(5, java.time.Duration.ofSeconds(2),
          java.time.Duration.ofMinutes(10)));
      assertThat(email.timeout()).isEqualTo(java.time.Duration.ofMinutes(1));
      Task report = errand.enqueue(dev.errand.core.TaskSpec.of("report", null)).task();
      assertThat(report.retry()).isEqualTo(dev.errand.core.RetryPolicy.DEFAULT);
      assertThat(report.timeout()).isEqualTo(java.time.Duration.ofHours(2));
      // A task's own policy wins over its type's.
      Task own = errand.enqueue(dev.errand.core.TaskSpec.builder("send_email").maxAttempts(2).build()).task();
      assertThat(own.maxAttempts()).isEqualTo(2);
    }
    Path bad = dir.resolve("bad-types.json");
    Files.writeString(bad, """
        {"types": {"t": {"maxAttempts": 0, "retry": {"base": "1h", "cap": "1s"}, "colour": 1}}}
        """);
    assertThatThrownBy(() -> ConfigFile.read(bad, 1 << 20)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("types.t.maxAttempts").hasMessageContaining("types.t.retry.cap")
        .hasMessageContaining("types.t.colour");
  }
}
