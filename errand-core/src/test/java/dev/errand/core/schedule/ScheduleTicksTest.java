package dev.errand.core.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.TaskSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Tick arithmetic: next tick after an instant and last tick at or before one, for 5-field and Quartz cron
 * and for intervals, across the 2026 daylight saving transitions. Berlin: summer time starts 29 March at
 * 01:00Z (02:00 CET becomes 03:00 CEST) and ends 25 October at 01:00Z (03:00 CEST becomes 02:00 CET).
 * New York: starts 8 March at 07:00Z (02:00 EST becomes 03:00 EDT), ends 1 November at 06:00Z (02:00 EDT
 * becomes 01:00 EST).
 */
class ScheduleTicksTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
  private static final TaskSpec TASK = TaskSpec.builder("tick").build();

  private static Schedule cron(String expression, ZoneId zone) {
    return Schedule.builder("s").cron(expression).zone(zone).task(TASK).build();
  }

  private static Instant at(String iso) {
    return Instant.parse(iso);
  }

  /** Every tick in (from, to], in order, by walking nextTick. */
  private static List<Instant> ticks(Schedule s, Instant from, Instant to) {
    List<Instant> out = new ArrayList<>();
    for (Optional<Instant> t = s.nextTick(from); t.isPresent() && !t.get().isAfter(to); t = s.nextTick(t.get())) {
      out.add(t.get());
    }
    return out;
  }

  /** Every tick in (from, to], in order, by walking lastTick backwards: must agree with {@link #ticks}. */
  private static List<Instant> ticksBackwards(Schedule s, Instant from, Instant to) {
    List<Instant> out = new ArrayList<>();
    for (Optional<Instant> t = s.lastTick(to); t.isPresent() && t.get().isAfter(from);
        t = s.lastTick(t.get().minusNanos(1))) {
      out.add(0, t.get());
    }
    return out;
  }

  private static List<Instant> instants(String... iso) {
    return java.util.Arrays.stream(iso).map(Instant::parse).toList();
  }

  @Test
  void dailyWallTimeInsideTheSpringGapFiresOnceAtTheEndOfTheGapInBerlin() {
    Schedule s = cron("30 2 * * *", BERLIN);
    List<Instant> expected = instants("2026-03-27T01:30:00Z", "2026-03-28T01:30:00Z",
        "2026-03-29T01:00:00Z", // 02:30 does not exist: 03:00 CEST, the first instant after the gap
        "2026-03-30T00:30:00Z");
    assertThat(ticks(s, at("2026-03-27T00:00:00Z"), at("2026-03-31T00:00:00Z"))).isEqualTo(expected);
    assertThat(ticksBackwards(s, at("2026-03-27T00:00:00Z"), at("2026-03-31T00:00:00Z"))).isEqualTo(expected);
  }

  @Test
  void dailyWallTimeThatOccursTwiceFiresOnceAtItsFirstOccurrenceInBerlin() {
    Schedule s = cron("30 2 * * *", BERLIN);
    List<Instant> expected = instants("2026-10-24T00:30:00Z",
        "2026-10-25T00:30:00Z", // 02:30 CEST; 02:30 CET (01:30Z) does not fire
        "2026-10-26T01:30:00Z");
    assertThat(ticks(s, at("2026-10-24T00:00:00Z"), at("2026-10-27T00:00:00Z"))).isEqualTo(expected);
    assertThat(ticksBackwards(s, at("2026-10-24T00:00:00Z"), at("2026-10-27T00:00:00Z"))).isEqualTo(expected);
    // Asked from inside the repeated hour, the answers skip the second occurrence both ways.
    assertThat(s.nextTick(at("2026-10-25T01:10:00Z"))).contains(at("2026-10-26T01:30:00Z"));
    assertThat(s.lastTick(at("2026-10-25T01:40:00Z"))).contains(at("2026-10-25T00:30:00Z"));
  }

  @Test
  void hourlyScheduleLosesNoHourWhenClocksGoForwardInBerlin() {
    Schedule s = cron("0 * * * *", BERLIN);
    // 02:00 does not exist and collapses into 03:00 CEST: one tick every elapsed hour.
    List<Instant> expected = instants("2026-03-28T23:00:00Z", "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z",
        "2026-03-29T02:00:00Z", "2026-03-29T03:00:00Z");
    assertThat(ticks(s, at("2026-03-28T22:00:00Z"), at("2026-03-29T03:00:00Z"))).isEqualTo(expected);
    assertThat(ticksBackwards(s, at("2026-03-28T22:00:00Z"), at("2026-03-29T03:00:00Z"))).isEqualTo(expected);
  }

  @Test
  void hourlyScheduleFiresTheRepeatedHourOnceWhenClocksGoBackInBerlin() {
    Schedule s = cron("0 * * * *", BERLIN);
    // 02:00 CEST (00:00Z) fires; 02:00 CET (01:00Z) is the same wall time again and does not.
    List<Instant> expected = instants("2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z",
        "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z");
    assertThat(ticks(s, at("2026-10-24T22:00:00Z"), at("2026-10-25T03:00:00Z"))).isEqualTo(expected);
    assertThat(ticksBackwards(s, at("2026-10-24T22:00:00Z"), at("2026-10-25T03:00:00Z"))).isEqualTo(expected);
  }

  @Test
  void dailyWallTimeInsideTheSpringGapFiresOnceAtTheEndOfTheGapInNewYork() {
    Schedule s = cron("30 2 * * *", NEW_YORK);
    assertThat(ticks(s, at("2026-03-07T00:00:00Z"), at("2026-03-10T00:00:00Z"))).containsExactly(
        at("2026-03-07T07:30:00Z"), at("2026-03-08T07:00:00Z"), at("2026-03-09T06:30:00Z"));
  }

  @Test
  void wallTimesAroundTheFallBackFireOnceInNewYork() {
    // 01:30 occurs twice on 1 November: EDT (05:30Z) fires, EST (06:30Z) does not.
    assertThat(ticks(cron("30 1 * * *", NEW_YORK), at("2026-10-31T00:00:00Z"), at("2026-11-03T00:00:00Z")))
        .containsExactly(at("2026-10-31T05:30:00Z"), at("2026-11-01T05:30:00Z"), at("2026-11-02T06:30:00Z"));
    // 02:30 occurs once, in EST.
    assertThat(ticks(cron("30 2 * * *", NEW_YORK), at("2026-10-31T00:00:00Z"), at("2026-11-03T00:00:00Z")))
        .containsExactly(at("2026-10-31T06:30:00Z"), at("2026-11-01T07:30:00Z"), at("2026-11-02T07:30:00Z"));
    assertThat(ticks(cron("0 * * * *", NEW_YORK), at("2026-11-01T03:00:00Z"), at("2026-11-01T08:00:00Z")))
        .containsExactly(at("2026-11-01T04:00:00Z"), at("2026-11-01T05:00:00Z"),
            at("2026-11-01T07:00:00Z"), at("2026-11-01T08:00:00Z"));
  }

  @ParameterizedTest
  @CsvSource({
      "30 2 * * *, 0 30 2 ? * *, Europe/Berlin",
      "30 2 * * *, 0 30 2 ? * *, America/New_York",
      "0 0-5 * * *, 0 0 0-5 ? * *, Europe/Berlin",
      "15 9 * * 1-5, 0 15 9 ? * MON-FRI, America/New_York",
  })
  void quartzExpressionWithSecondsFiresLikeItsUnixTwin(String unix, String quartz, String zone) {
    Instant from = at("2026-01-01T00:00:00Z");
    Instant to = at("2027-01-01T00:00:00Z");
    List<Instant> expected = ticks(cron(unix, ZoneId.of(zone)), from, to);
    assertThat(expected).isNotEmpty();
    assertThat(ticks(cron(quartz, ZoneId.of(zone)), from, to)).isEqualTo(expected);
  }

  @Test
  void dailyScheduleFiresOnceOnEveryDayOfAYearWithTwoTransitions() {
    for (ZoneId zone : List.of(BERLIN, NEW_YORK)) {
      for (String expression : List.of("30 2 * * *", "0 2 * * *", "30 1 * * *", "0 3 * * *")) {
        List<Instant> ticks = ticks(cron(expression, zone), at("2026-01-01T12:00:00Z"), at("2027-01-01T12:00:00Z"));
        Set<LocalDate> days = new HashSet<>();
        for (Instant t : ticks) {
          days.add(t.atZone(zone).toLocalDate());
        }
        assertThat(ticks).as("%s in %s", expression, zone).hasSize(365);
        assertThat(days).as("%s in %s", expression, zone).hasSize(365);
      }
    }
  }

  @Test
  void hourlyScheduleFiresEveryExistingWallHourOnceOverAYear() {
    Schedule s = cron("0 * * * *", BERLIN);
    List<Instant> ticks = ticks(s, at("2025-12-31T23:00:00Z"), at("2026-12-31T23:00:00Z"));
    // 8760 wall hours; 02:00 on 29 March does not exist and shares 03:00's instant. The repeated
    // 02:00 on 25 October fires once. So 8759 ticks, one per elapsed hour but the repeated one.
    assertThat(ticks).hasSize(8759).doesNotHaveDuplicates();
    Set<LocalDateTime> wallHours = new HashSet<>();
    for (Instant t : ticks) {
      wallHours.add(LocalDateTime.ofInstant(t, BERLIN));
    }
    assertThat(wallHours).hasSize(8759).doesNotContain(LocalDateTime.parse("2026-03-29T02:00:00"));
  }

  @Test
  void perSecondCronPausesDuringTheRepeatedHour() {
    Schedule s = cron("*/20 * * ? * *", BERLIN);
    // 02:59:40 CEST, then the next wall time not yet fired is 03:00:00 CET, an hour later.
    assertThat(s.nextTick(at("2026-10-25T00:59:40Z"))).contains(at("2026-10-25T02:00:00Z"));
    assertThat(s.lastTick(at("2026-10-25T01:59:59Z"))).contains(at("2026-10-25T00:59:40Z"));
    assertThat(s.nextTick(at("2026-10-25T00:59:20Z"))).contains(at("2026-10-25T00:59:40Z"));
  }

  @Test
  void secondTicksAreWholeSecondsWhateverTheFractionAsked() {
    // cron-utils alone answers 07.5 after 06.5, and 07.999999999 after a start instant's minus-one-nano.
    for (String e : List.of("* * * * * *", "* * * ? * *")) {
      Schedule s = cron(e, ZoneId.of("UTC"));
      assertThat(s.nextTick(at("2030-01-01T10:00:06.500Z"))).as(e).contains(at("2030-01-01T10:00:07Z"));
      assertThat(s.nextTick(at("2030-01-01T10:00:06.999999999Z"))).as(e).contains(at("2030-01-01T10:00:07Z"));
      assertThat(s.nextTick(at("2030-01-01T10:00:07Z"))).as(e).contains(at("2030-01-01T10:00:08Z"));
      assertThat(s.lastTick(at("2030-01-01T10:00:07.500Z"))).as(e).contains(at("2030-01-01T10:00:07Z"));
    }
    Schedule started = Schedule.builder("s").cron("* * * * * *").zone(ZoneId.of("UTC"))
        .startAt(at("2030-01-01T10:00:07Z")).task(TASK).build();
    assertThat(started.nextTick(at("2030-01-01T10:00:00Z"))).contains(at("2030-01-01T10:00:07Z"));
  }

  @Test
  void lastTickIsInclusiveAndNextTickIsStrict() {
    Schedule s = cron("*/15 * * * *", NEW_YORK);
    Instant tick = at("2026-06-01T12:15:00Z");
    assertThat(s.lastTick(tick)).contains(tick);
    assertThat(s.lastTick(tick.minusNanos(1))).contains(at("2026-06-01T12:00:00Z"));
    assertThat(s.nextTick(tick)).contains(at("2026-06-01T12:30:00Z"));
    assertThat(s.nextTick(tick.minusNanos(1))).contains(tick);
    // The gap's end is itself a tick of a daily schedule inside the gap.
    Schedule gap = cron("30 2 * * *", BERLIN);
    assertThat(gap.lastTick(at("2026-03-29T01:00:00Z"))).contains(at("2026-03-29T01:00:00Z"));
    assertThat(gap.lastTick(at("2026-03-29T00:59:59Z"))).contains(at("2026-03-28T01:30:00Z"));
  }

  @Test
  void nextAndLastTickAgreeAtRandomInstants() {
    long seed = System.nanoTime();
    System.out.println("ScheduleTicksTest.nextAndLastTickAgreeAtRandomInstants seed=" + seed);
    SplittableRandom random = new SplittableRandom(seed);
    List<Schedule> schedules = new ArrayList<>();
    for (ZoneId zone : List.of(BERLIN, NEW_YORK)) {
      for (String e : List.of("30 2 * * *", "0 * * * *", "*/7 * * * *", "15 1,2,3 * * *", "0 0 12 ? * MON-FRI",
          "*/20 * * ? * *", "0 30 2 L * ?", "* * * * * *", "*/3 * * * * *")) {
        schedules.add(cron(e, zone));
      }
    }
    schedules.add(Schedule.every("s", Duration.ofMillis(1500), TASK));
    schedules.add(Schedule.builder("s").interval(Duration.ofMinutes(7)).startAt(at("2026-03-29T00:17:00.250Z"))
        .task(TASK).build());
    long start = at("2026-01-01T00:00:00Z").getEpochSecond();
    long end = at("2027-01-01T00:00:00Z").getEpochSecond();
    // Half the samples near a transition, where the arithmetic is hardest.
    List<Instant> transitions = instants("2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z",
        "2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z");
    for (int i = 0; i < 100; i++) {
      Instant t = random.nextBoolean()
          ? Instant.ofEpochSecond(random.nextLong(start, end), random.nextInt(1_000_000_000))
          : transitions.get(random.nextInt(transitions.size())).plusSeconds(random.nextLong(-7200, 7200))
              .plusNanos(random.nextInt(3) * 500_000_000L);
      for (Schedule s : schedules) {
        String at = s + " at " + t;
        Instant next = s.nextTick(t).orElseThrow();
        if (s.startAt() != null && t.isBefore(s.startAt())) {
          assertThat(s.lastTick(t)).as(at).isEmpty();
          assertThat(next).as(at).isEqualTo(s.startAt());
          continue;
        }
        Instant last = s.lastTick(t).orElseThrow();
        assertThat(last).as(at).isBeforeOrEqualTo(t);
        assertThat(next).as(at).isAfter(t);
        assertThat(s.nextTick(last)).as(at).contains(next); // no tick between last and next
        assertThat(s.lastTick(next.minusNanos(1))).as(at).contains(last);
        assertThat(s.lastTick(next)).as(at).contains(next);
      }
    }
  }

  @Test
  void intervalTicksAreAnchoredAtTheEpoch() {
    Schedule s = Schedule.every("s", Duration.ofSeconds(1), TASK);
    assertThat(s.nextTick(at("2026-06-01T10:00:00.500Z"))).contains(at("2026-06-01T10:00:01Z"));
    assertThat(s.lastTick(at("2026-06-01T10:00:00.500Z"))).contains(at("2026-06-01T10:00:00Z"));
    assertThat(s.lastTick(at("2026-06-01T10:00:00Z"))).contains(at("2026-06-01T10:00:00Z"));
    assertThat(s.nextTick(at("2026-06-01T10:00:00Z"))).contains(at("2026-06-01T10:00:01Z"));
    assertThat(s.lastTick(at("1969-12-31T23:59:59.500Z"))).contains(at("1969-12-31T23:59:59Z"));
    Schedule sevenMinutes = Schedule.every("s", Duration.ofMinutes(7), TASK);
    Instant next = sevenMinutes.nextTick(at("2026-06-01T10:00:00Z")).orElseThrow();
    assertThat(next.getEpochSecond() % 420).isZero();
    assertThat(next).isBetween(at("2026-06-01T10:00:00Z"), at("2026-06-01T10:07:00Z"));
  }

  @Test
  void intervalTicksStartAtTheirStartInstantAndIgnoreTheZone() {
    Instant start = at("2026-03-28T23:17:00Z");
    Schedule s = Schedule.builder("s").interval(Duration.ofMinutes(90)).zone(BERLIN).startAt(start).task(TASK).build();
    assertThat(s.lastTick(start.minusNanos(1))).isEmpty();
    assertThat(s.nextTick(at("2020-01-01T00:00:00Z"))).contains(start);
    assertThat(ticks(s, start.minusSeconds(1), at("2026-03-29T03:00:00Z"))).containsExactly(start,
        at("2026-03-29T00:47:00Z"), at("2026-03-29T02:17:00Z")); // elapsed time straight across the gap
  }

  @Test
  void cronTicksStartAtTheirStartInstant() {
    Schedule s = Schedule.builder("s").cron("0 * * * *").startAt(at("2026-06-01T10:30:00Z")).task(TASK).build();
    assertThat(s.nextTick(at("2026-06-01T08:10:00Z"))).contains(at("2026-06-01T11:00:00Z"));
    assertThat(s.lastTick(at("2026-06-01T10:59:59Z"))).isEmpty();
    assertThat(s.lastTick(at("2026-06-01T11:00:00Z"))).contains(at("2026-06-01T11:00:00Z"));
  }

  @Test
  void quartzYearFieldEndsTheTicks() {
    Schedule s = cron("0 0 12 1 1 ? 2027", ZoneId.of("UTC"));
    assertThat(s.nextTick(at("2026-06-01T00:00:00Z"))).contains(at("2027-01-01T12:00:00Z"));
    assertThat(s.nextTick(at("2027-01-01T12:00:00Z"))).isEmpty();
    assertThat(s.lastTick(at("2026-06-01T00:00:00Z"))).isEmpty();
    assertThat(s.lastTick(at("2030-06-01T00:00:00Z"))).contains(at("2027-01-01T12:00:00Z"));
  }

  @Test
  void unixDayOfWeekCountsFromSundayZeroAndQuartzFromSundayOne() {
    Instant saturday = ZonedDateTime.parse("2026-06-06T12:00:00Z").toInstant();
    Instant sunday = at("2026-06-07T00:00:00Z");
    assertThat(cron("0 0 * * 0", ZoneId.of("UTC")).nextTick(saturday)).contains(sunday);
    assertThat(cron("0 0 * * 7", ZoneId.of("UTC")).nextTick(saturday)).contains(sunday);
    assertThat(cron("0 0 0 ? * 1", ZoneId.of("UTC")).nextTick(saturday)).contains(sunday);
  }

  @Test
  void eachTickHasItsOwnKeyAndRunAt() {
    Schedule s = Schedule.builder("nightly").cron("30 2 * * *").zone(BERLIN)
        .task(TaskSpec.builder("report").queue("reports").priority(3).build()).build();
    Instant tick = at("2026-03-29T01:00:00Z");
    assertThat(s.idempotencyKey(tick)).isEqualTo("schedule:nightly:2026-03-29T01:00:00Z");
    TaskSpec spec = s.taskFor(tick);
    assertThat(spec.runAt()).isEqualTo(tick);
    assertThat(spec.idempotencyKey()).isEqualTo("schedule:nightly:2026-03-29T01:00:00Z");
    assertThat(spec.type()).isEqualTo("report");
    assertThat(spec.queue()).isEqualTo("reports");
    assertThat(spec.priority()).isEqualTo(3);
    assertThat(spec.delay()).isNull();
  }

  @Test
  void springSixFieldCronFiresOnSecondsAndNumbersSundayZero() {
    Schedule every5 = cron("0 */5 * * * *", ZoneId.of("UTC"));
    assertThat(ticks(every5, at("2030-01-01T10:01:00Z"), at("2030-01-01T10:16:00Z")))
        .isEqualTo(instants("2030-01-01T10:05:00Z", "2030-01-01T10:10:00Z", "2030-01-01T10:15:00Z"));
    // 2030-01-06 is a Sunday: Spring's day 0, as Unix's; Quartz would call it 1.
    Schedule sundays = cron("30 0 9 * * 0", ZoneId.of("UTC"));
    assertThat(ticks(sundays, at("2030-01-01T00:00:00Z"), at("2030-01-14T00:00:00Z")))
        .isEqualTo(instants("2030-01-06T09:00:30Z", "2030-01-13T09:00:30Z"));
  }
}
