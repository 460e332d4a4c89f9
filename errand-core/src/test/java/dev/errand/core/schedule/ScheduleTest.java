package dev.errand.core.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The Schedule value: setters refuse bad values at once naming the field; build() checks the rest. */
class ScheduleTest {
  private static final TaskSpec TASK = TaskSpec.builder("report").build();

  @Test
  void defaultsAreUtcSkipEnabledAndTenSecondsTolerance() {
    Schedule s = Schedule.cron("nightly", "0 3 * * *", TASK);
    assertThat(s.name()).isEqualTo("nightly");
    assertThat(s.cron()).isEqualTo("0 3 * * *");
    assertThat(s.interval()).isNull();
    assertThat(s.zone()).isEqualTo(ZoneOffset.UTC);
    assertThat(s.missedTicks()).isEqualTo(MissedTickPolicy.SKIP);
    assertThat(s.enabled()).isTrue();
    assertThat(s.tolerance()).isEqualTo(Schedule.DEFAULT_TOLERANCE);
    assertThat(s.startAt()).isNull();
    assertThat(s.task()).isSameAs(TASK);
  }

  @Test
  void nameMustBeInTheQueueNameAlphabet() {
    assertThatThrownBy(() -> Schedule.builder("Nightly Report")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name").hasMessageContaining("Nightly Report");
    assertThatThrownBy(() -> Schedule.builder(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name");
  }

  @Test
  void cronIsParsedAtOnce() {
    assertThatThrownBy(() -> Schedule.builder("s").cron("* * * *")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cron must have 5 fields");
    assertThatThrownBy(() -> Schedule.builder("s").cron("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cron");
    assertThatThrownBy(() -> Schedule.builder("s").cron("61 * * * *")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cron is not valid: 61 * * * *");
    // Six fields with a '?' are Quartz, which allows '?' in one day field only.
    assertThatThrownBy(() -> Schedule.builder("s").cron("0 30 2 ? * ?")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cron is not valid");
    // Six fields without one are Spring, which allows '*' in both day fields.
    assertThat(Schedule.builder("s").cron("0 */5 * * * *").task(TASK).build().cron()).isEqualTo("0 */5 * * * *");
    assertThatThrownBy(() -> Schedule.builder("s").cron("0 61 * * * *")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cron is not valid");
    assertThat(Schedule.builder("s").cron(" 0 30 2 ? * * ").task(TASK).build().cron()).isEqualTo("0 30 2 ? * *");
    assertThat(Schedule.builder("s").cron("0 30 2 ? * * 2030").task(TASK).build().cron())
        .isEqualTo("0 30 2 ? * * 2030");
  }

  @Test
  void intervalIsAtLeastOneSecondInWholeMilliseconds() {
    assertThatThrownBy(() -> Schedule.builder("s").interval(Duration.ofMillis(999)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval");
    assertThatThrownBy(() -> Schedule.builder("s").interval(Duration.ofSeconds(1).plusNanos(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval");
    assertThatThrownBy(() -> Schedule.builder("s").interval(Duration.ofSeconds(-5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval");
    assertThat(Schedule.every("s", Duration.ofMillis(1500), TASK).interval()).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void exactlyOneOfCronAndIntervalIsRequired() {
    assertThatThrownBy(() -> Schedule.builder("s").task(TASK).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly one of cron and interval");
    assertThatThrownBy(() -> Schedule.builder("s").cron("0 * * * *").interval(Duration.ofMinutes(1)).task(TASK).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly one of cron and interval");
    Schedule cron = Schedule.cron("s", "0 * * * *", TASK);
    Schedule interval = cron.newBuilder().cron(null).interval(Duration.ofMinutes(1)).build();
    assertThat(interval.cron()).isNull();
    assertThat(interval.interval()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void taskIsRequiredAndMustLeaveTheTickFieldsToTheScheduler() {
    assertThatThrownBy(() -> Schedule.builder("s").cron("0 * * * *").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("task is required");
    assertThatThrownBy(() -> Schedule.builder("s").task(TASK.idempotencyKey("mine")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("task must not set");
    assertThatThrownBy(() -> Schedule.builder("s").task(TASK.delay(Duration.ofMinutes(5))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("task must not set");
    assertThatThrownBy(() -> Schedule.builder("s").task(TASK.runAt(Instant.now())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("task must not set");
    assertThatThrownBy(() -> Schedule.builder("s").task(TASK.id(TaskId.generate())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("task must not set");
    assertThatThrownBy(() -> Schedule.builder("s").task(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void toleranceIsPositiveAndBounded() {
    assertThatThrownBy(() -> Schedule.builder("s").tolerance(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tolerance");
    assertThatThrownBy(() -> Schedule.builder("s").tolerance(Schedule.MAX_TOLERANCE.plusMillis(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tolerance");
    assertThat(Schedule.builder("s").cron("0 * * * *").task(TASK).tolerance(Duration.ofMinutes(10)).build().tolerance())
        .isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void newBuilderDerivesAChangedCopyAndLeavesTheOriginal() {
    Schedule original = Schedule.builder("s").cron("30 2 * * *").zone(ZoneId.of("Europe/Berlin"))
        .missedTicks(MissedTickPolicy.CATCH_UP_ONE).task(TASK).build();
    Schedule disabled = original.newBuilder().enabled(false).build();
    assertThat(disabled.enabled()).isFalse();
    assertThat(disabled.cron()).isEqualTo("30 2 * * *");
    assertThat(disabled.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    assertThat(disabled.missedTicks()).isEqualTo(MissedTickPolicy.CATCH_UP_ONE);
    assertThat(original.enabled()).isTrue();
    Instant t = Instant.parse("2026-03-29T00:00:00Z");
    assertThat(disabled.nextTick(t)).isEqualTo(original.nextTick(t));
  }
}
