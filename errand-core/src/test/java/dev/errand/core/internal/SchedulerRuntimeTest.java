package dev.errand.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Enqueued;
import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.ScheduleConflictException;
import dev.errand.core.StoreUnavailableException;
import dev.errand.core.Task;
import dev.errand.core.TaskSpec;
import dev.errand.core.schedule.MissedTickPolicy;
import dev.errand.core.schedule.Schedule;
import dev.errand.core.schedule.ScheduleInfo;
import dev.errand.core.schedule.ScheduleJson;
import dev.errand.core.schedule.ScheduleSource;
import dev.errand.core.spi.SchedulePutRequest;
import dev.errand.core.spi.ScheduleStore;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.InMemoryTaskStore;
import dev.errand.core.testkit.MutableClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's choice of ticks, driven pass by pass with a clock the test moves: missed-tick policies,
 * the tolerance, store errors, replacing and disabling. The loop itself is tested with the real clock.
 */
class SchedulerRuntimeTest {
  private static final TaskSpec BEAT = TaskSpec.builder("beat").build();

  private final MutableClock clock = new MutableClock(at("2026-06-01T10:30:00Z"));
  private final InMemoryTaskStore store = new InMemoryTaskStore(clock);
  // A client-only Errand (never started): the scheduler enqueues through it, as in production.
  private final Errand errand = Errand.builder().store(store).clock(clock).build();
  private SchedulerRuntime started;

  @AfterEach
  void stop() {
    if (started != null) {
      started.stop();
    }
  }

  private static Instant at(String iso) {
    return Instant.parse(iso);
  }

  private SchedulerRuntime runtime() {
    return runtime(Duration.ofDays(7), errand::enqueueMany);
  }

  private SchedulerRuntime runtime(Duration retention, Function<List<TaskSpec>, List<Enqueued>> enqueuer) {
    return new SchedulerRuntime("test", clock, retention, enqueuer);
  }

  private static Schedule hourly(MissedTickPolicy policy) {
    return Schedule.builder("hourly").cron("0 * * * *").missedTicks(policy).task(BEAT).build();
  }

  /** The runAt of every task in the store, oldest first, after checking each carries its tick's key. */
  private List<Instant> enqueuedTicks() {
    List<Task> tasks = store.list(TaskQuery.all(1000)).tasks();
    for (Task t : tasks) {
      assertThat(t.idempotencyKey()).endsWith(":" + t.runAt());
    }
    return tasks.stream().map(Task::runAt).sorted().toList();
  }

  @Test
  void skipDropsTicksMissedWhileNoSchedulerRan() {
    SchedulerRuntime runtime = runtime();
    runtime.register(hourly(MissedTickPolicy.SKIP));
    // Sleeps until the next tick, but re-reads the clock at least every 30 s.
    assertThat(runtime.evaluate()).isEqualTo(at("2026-06-01T10:30:30Z"));
    assertThat(enqueuedTicks()).isEmpty(); // 10:00 is half an hour old
    clock.set(at("2026-06-01T10:59:50Z"));
    assertThat(runtime.evaluate()).isEqualTo(at("2026-06-01T11:00:00Z"));
    clock.set(at("2026-06-01T11:00:00.200Z"));
    runtime.evaluate();
    runtime.evaluate();
    assertThat(enqueuedTicks()).containsExactly(at("2026-06-01T11:00:00Z"));
    clock.set(at("2026-06-01T15:20:00Z")); // down from 11:00 to 15:20: 12, 13, 14 and 15 are missed
    runtime.evaluate();
    assertThat(enqueuedTicks()).containsExactly(at("2026-06-01T11:00:00Z"));
    clock.set(at("2026-06-01T16:00:09Z"));
    runtime.evaluate();
    assertThat(enqueuedTicks()).containsExactly(at("2026-06-01T11:00:00Z"), at("2026-06-01T16:00:00Z"));
  }

  @Test
  void startingSchedulerFiresOnlyTheTickDueNowWithinTheTolerance() {
    clock.set(at("2026-06-01T11:00:05Z"));
    SchedulerRuntime runtime = runtime();
    runtime.register(hourly(MissedTickPolicy.SKIP));
    runtime.evaluate();
    assertThat(enqueuedTicks()).containsExactly(at("2026-06-01T11:00:00Z"));

    // A one-second schedule started now fires the tick due now, not the ten before it.
    runtime.register(Schedule.every("fast", Duration.ofSeconds(1), BEAT));
    runtime.evaluate();
    assertThat(enqueuedTicks()).containsExactly(at("2026-06-01T11:00:00Z"), at("2026-06-01T11:00:05Z"));

    clock.set(at("2026-06-01T12:00:10.001Z")); // just past the 10 s tolerance
    SchedulerRuntime late = runtime();
    late.register(hourly(MissedTickPolicy.SKIP));
    late.evaluate();
    assertThat(enqueuedTicks()).doesNotContain(at("2026-06-01T12:00:00Z"));
  }

  @Test
  void everyTickWithinTheToleranceIsEnqueuedAfterAStall() {
    clock.set(at("2026-06-01T10:00:00.500Z"));
    SchedulerRuntime runtime = runtime();
    runtime.register(Schedule.builder("fast").interval(Duration.ofSeconds(1)).tolerance(Duration.ofSeconds(5))
        .task(BEAT).build());
    runtime.evaluate();
    clock.set(at("2026-06-01T10:00:03.700Z")); // stalled for three ticks: all within tolerance
    runtime.evaluate();
    assertThat(enqueuedTicks()).containsExactly(at("2026-06-01T10:00:00Z"), at("2026-06-01T10:00:01Z"),
        at("2026-06-01T10:00:02Z"), at("2026-06-01T10:00:03Z"));
    clock.set(at("2026-06-01T10:01:00.100Z")); // stalled for a minute: only the last 5 s are enqueued
    runtime.evaluate();
    assertThat(enqueuedTicks()).hasSize(4 + 5).endsWith(at("2026-06-01T10:00:56Z"), at("2026-06-01T10:00:57Z"),
        at("2026-06-01T10:00:58Z"), at("2026-06-01T10:00:59Z"), at("2026-06-01T10:01:00Z"));
  }

  @Test
  void catchUpOneEnqueuesTheLatestMissedTickOnce() {
    SchedulerRuntime runtime = runtime();
    runtime.register(hourly(MissedTickPolicy.CATCH_UP_ONE));
    runtime.evaluate(); // 10:30: 10:00 was missed
    runtime.evaluate();
    assertThat(enqueuedTicks()).containsExactly(at("2026-06-01T10:00:00Z"));
    clock.set(at("2026-06-01T11:00:01Z"));
    runtime.evaluate();
    clock.set(at("2026-06-01T15:20:00Z")); // 12, 13, 14 and 15 missed: only 15 is caught up
    runtime.evaluate();
    clock.set(at("2026-06-01T15:40:00Z"));
    runtime.evaluate();
    assertThat(enqueuedTicks()).containsExactly(at("2026-06-01T10:00:00Z"), at("2026-06-01T11:00:00Z"),
        at("2026-06-01T15:00:00Z"));
  }

  @Test
  void catchUpOneByARestartedNodeFindsTheTickAlreadyEnqueued() {
    SchedulerRuntime first = runtime();
    first.register(hourly(MissedTickPolicy.CATCH_UP_ONE));
    first.evaluate();
    clock.set(at("2026-06-01T10:45:00Z"));
    SchedulerRuntime restarted = runtime();
    restarted.register(hourly(MissedTickPolicy.CATCH_UP_ONE));
    restarted.evaluate();
    assertThat(enqueuedTicks()).containsExactly(at("2026-06-01T10:00:00Z"));
  }

  @Test
  void catchUpOneNeverReachesBeyondTheRetention() {
    Schedule daily = Schedule.builder("daily").cron("0 2 * * *").missedTicks(MissedTickPolicy.CATCH_UP_ONE)
        .task(BEAT).build();
    SchedulerRuntime runtime = runtime(Duration.ofHours(1), errand::enqueueMany);
    runtime.register(daily);
    runtime.evaluate(); // 10:30, 02:00 is 8.5 hours old: its task may have run and been pruned
    assertThat(enqueuedTicks()).isEmpty();
    clock.set(at("2026-06-02T02:40:00Z"));
    runtime.evaluate();
    assertThat(enqueuedTicks()).containsExactly(at("2026-06-02T02:00:00Z"));
  }

  @Test
  void toleranceMustBeShorterThanTheRetention() {
    SchedulerRuntime runtime = runtime(Duration.ofSeconds(10), errand::enqueueMany);
    assertThatThrownBy(() -> runtime.register(hourly(MissedTickPolicy.SKIP)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tolerance");
  }

  @Test
  void storeErrorsAreRetriedWhileTheTickIsWithinTheTolerance() {
    AtomicBoolean down = new AtomicBoolean(true);
    SchedulerRuntime runtime = runtime(Duration.ofDays(7), specs -> {
      if (down.get()) {
        throw new StoreUnavailableException("store down", null);
      }
      return errand.enqueueMany(specs);
    });
    runtime.register(hourly(MissedTickPolicy.SKIP));
    clock.set(at("2026-06-01T11:00:00.100Z"));
    assertThatThrownBy(runtime::evaluate).isInstanceOf(StoreUnavailableException.class);
    clock.set(at("2026-06-01T11:00:04Z"));
    assertThatThrownBy(runtime::evaluate).isInstanceOf(StoreUnavailableException.class);
    down.set(false);
    clock.set(at("2026-06-01T11:00:08Z"));
    runtime.evaluate();
    assertThat(enqueuedTicks()).containsExactly(at("2026-06-01T11:00:00Z"));

    // Down for longer than the tolerance: SKIP loses the tick, as documented.
    down.set(true);
    clock.set(at("2026-06-01T12:00:00.100Z"));
    assertThatThrownBy(runtime::evaluate).isInstanceOf(StoreUnavailableException.class);
    down.set(false);
    clock.set(at("2026-06-01T12:00:15Z"));
    runtime.evaluate();
    assertThat(enqueuedTicks()).containsExactly(at("2026-06-01T11:00:00Z"));
  }

  @Test
  void storeErrorLongerThanTheToleranceIsCaughtUpByCatchUpOne() {
    AtomicBoolean down = new AtomicBoolean(true);
    SchedulerRuntime runtime = runtime(Duration.ofDays(7), specs -> {
      if (down.get()) {
        throw new StoreUnavailableException("store down", null);
      }
      return errand.enqueueMany(specs);
    });
    clock.set(at("2026-06-01T11:00:00.100Z"));
    runtime.register(hourly(MissedTickPolicy.CATCH_UP_ONE));
    assertThatThrownBy(runtime::evaluate).isInstanceOf(StoreUnavailableException.class);
    down.set(false);
    clock.set(at("2026-06-01T11:05:00Z"));
    runtime.evaluate();
    assertThat(enqueuedTicks()).containsExactly(at("2026-06-01T11:00:00Z"));
  }

  /** Runs the scheduler as its loop would, waking 50 ms after each instant it asks for, until {@code end}. */
  private void simulate(SchedulerRuntime runtime, Instant end) {
    while (clock.instant().isBefore(end)) {
      clock.set(runtime.evaluate().plusMillis(50));
    }
  }

  private List<Instant> enqueuedTicks(String schedule) {
    return store.list(TaskQuery.all(1000)).tasks().stream()
        .filter(t -> t.idempotencyKey().startsWith("schedule:" + schedule + ":"))
        .map(Task::runAt).sorted().toList();
  }

  @Test
  void runningSchedulerFiresEachTickOnceAcrossBothBerlinTransitions() {
    ZoneId berlin = ZoneId.of("Europe/Berlin");
    SchedulerRuntime runtime = runtime();
    runtime.register(Schedule.builder("daily").cron("30 2 * * *").zone(berlin).task(BEAT).build());
    runtime.register(Schedule.builder("hourly").cron("0 * * * *").zone(berlin).task(BEAT).build());

    clock.set(at("2026-03-28T22:10:00Z"));
    simulate(runtime, at("2026-03-29T03:10:00Z"));
    assertThat(enqueuedTicks("daily")).containsExactly(at("2026-03-29T01:00:00Z")); // 02:30 is in the gap
    assertThat(enqueuedTicks("hourly")).containsExactly(at("2026-03-28T23:00:00Z"), at("2026-03-29T00:00:00Z"),
        at("2026-03-29T01:00:00Z"), at("2026-03-29T02:00:00Z"), at("2026-03-29T03:00:00Z"));

    clock.set(at("2026-10-24T22:10:00Z"));
    simulate(runtime, at("2026-10-25T03:10:00Z"));
    assertThat(enqueuedTicks("daily")).containsExactly(at("2026-03-29T01:00:00Z"),
        at("2026-10-25T00:30:00Z")); // 02:30 CEST; 02:30 CET is the same wall time again
    assertThat(enqueuedTicks("hourly")).hasSize(5 + 4).endsWith(at("2026-10-24T23:00:00Z"),
        at("2026-10-25T00:00:00Z"), at("2026-10-25T02:00:00Z"), at("2026-10-25T03:00:00Z"));
  }

  @Test
  void disabledScheduleFiresNothingAndHasNoNextFire() {
    SchedulerRuntime runtime = runtime();
    runtime.register(hourly(MissedTickPolicy.CATCH_UP_ONE).newBuilder().enabled(false).build());
    clock.set(at("2026-06-01T11:00:01Z"));
    runtime.evaluate();
    assertThat(enqueuedTicks()).isEmpty();
    ScheduleInfo info = runtime.list().get(0);
    assertThat(info.nextFire()).isNull();
    assertThat(info.lastFire()).isEqualTo(at("2026-06-01T11:00:00Z"));
  }

  @Test
  void listShowsEachScheduleWithItsNextAndLastFireByName() {
    SchedulerRuntime runtime = runtime();
    runtime.register(hourly(MissedTickPolicy.SKIP));
    runtime.register(Schedule.builder("berlin").cron("30 2 * * *").zone(ZoneId.of("Europe/Berlin")).task(BEAT).build());
    List<ScheduleInfo> infos = runtime.list();
    assertThat(infos).extracting(ScheduleInfo::name).containsExactly("berlin", "hourly");
    assertThat(infos.get(0).nextFire()).isEqualTo(at("2026-06-02T00:30:00Z"));
    assertThat(infos.get(0).lastFire()).isEqualTo(at("2026-06-01T00:30:00Z"));
    assertThat(infos.get(1).nextFire()).isEqualTo(at("2026-06-01T11:00:00Z"));
    assertThat(infos.get(1).lastFire()).isEqualTo(at("2026-06-01T10:00:00Z"));
  }

  @Test
  void replacingAScheduleByNameChangesWhatLaterTicksEnqueue() {
    SchedulerRuntime runtime = runtime();
    runtime.register(hourly(MissedTickPolicy.SKIP));
    clock.set(at("2026-06-01T11:00:01Z"));
    runtime.evaluate();
    // Replaced within the same tick's tolerance: the tick already has its task, under the old spec.
    runtime.register(hourly(MissedTickPolicy.SKIP).newBuilder().task(TaskSpec.builder("other").build()).build());
    clock.set(at("2026-06-01T11:00:02Z"));
    runtime.evaluate();
    clock.set(at("2026-06-01T12:00:01Z"));
    runtime.evaluate();
    List<Task> tasks = store.list(TaskQuery.all(10)).tasks().stream()
        .sorted(Comparator.comparing(Task::runAt)).toList();
    assertThat(tasks).extracting(Task::runAt).containsExactly(at("2026-06-01T11:00:00Z"), at("2026-06-01T12:00:00Z"));
    assertThat(tasks).extracting(Task::type).containsExactly("beat", "other");
    assertThat(runtime.remove("hourly")).isTrue();
    assertThat(runtime.remove("hourly")).isFalse();
    clock.set(at("2026-06-01T13:00:01Z"));
    runtime.evaluate();
    assertThat(enqueuedTicks()).hasSize(2);
  }

  @Test
  void loopRetriesAStoreErrorAndLosesNoTick() {
    AtomicInteger failures = new AtomicInteger();
    AtomicBoolean down = new AtomicBoolean(true);
    InMemoryTaskStore realStore = new InMemoryTaskStore();
    Errand client = Errand.builder().store(realStore).build();
    started = new SchedulerRuntime("test", Clock.systemUTC(), Duration.ofDays(7), specs -> {
      if (down.get()) {
        failures.incrementAndGet();
        throw new StoreUnavailableException("store down", null);
      }
      return client.enqueueMany(specs);
    });
    started.register(Schedule.every("fast", Duration.ofSeconds(1), BEAT));
    Instant begin = Instant.now();
    started.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() >= 3);
    Instant recovered = Instant.now();
    down.set(false);
    await().atMost(Duration.ofSeconds(10)).until(() -> realStore.list(TaskQuery.all(100)).tasks().stream()
        .anyMatch(t -> t.runAt().isAfter(recovered.plusSeconds(1))));
    started.stop();
    List<Instant> ticks = realStore.list(TaskQuery.all(100)).tasks().stream().map(Task::runAt).sorted().toList();
    // From the tick due at start, every tick since: none lost to the outage, none twice.
    assertThat(ticks.get(0)).isEqualTo(Instant.ofEpochSecond(begin.getEpochSecond()));
    for (int i = 1; i < ticks.size(); i++) {
      assertThat(ticks.get(i)).isEqualTo(ticks.get(i - 1).plusSeconds(1));
    }
  }

  @Test
  void loopSleepsUntilTheNextTickInsteadOfPolling() {
    AtomicInteger reads = new AtomicInteger();
    Clock counting = new Clock() {
      @Override
      public Instant instant() {
        reads.incrementAndGet();
        return Instant.now();
      }

      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
      }
    };
    started = new SchedulerRuntime("test", counting, Duration.ofDays(7), errand::enqueueMany);
    started.register(Schedule.cron("yearly", "0 0 1 1 *", BEAT));
    started.start();
    // Registering wakes it (a pass and a sleep: a few clock reads), then it sleeps.
    await().atMost(Duration.ofSeconds(5)).until(() -> reads.get() >= 2);
    int settled = reads.get();
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> reads.get() <= settled + 2);
  }

  // ---------------------------------------------------------------- stored schedules

  /** A runtime whose stored schedules live in {@link #store}, enqueueing through {@code enqueuer}. */
  private SchedulerRuntime storedRuntime(Function<List<TaskSpec>, List<Enqueued>> enqueuer) {
    return new SchedulerRuntime("test", clock, Duration.ofDays(7), enqueuer, store, Duration.ofSeconds(5));
  }

  /** Puts {@code schedule} straight into the store, as another node would. */
  private void putElsewhere(Schedule schedule) {
    store.putSchedule(new SchedulePutRequest(schedule.name(), ScheduleJson.encode(schedule)));
  }

  @Test
  void syncThatFindsAStoredScheduleUnchangedKeepsItsWatermark() {
    List<String> keys = new CopyOnWriteArrayList<>();
    SchedulerRuntime runtime = storedRuntime(specs -> {
      specs.forEach(spec -> keys.add(spec.idempotencyKey()));
      return errand.enqueueMany(specs);
    });
    putElsewhere(hourly(MissedTickPolicy.SKIP));
    clock.set(at("2026-06-01T11:00:05Z"));
    runtime.sync();
    runtime.evaluate();
    assertThat(keys).containsExactly("schedule:hourly:2026-06-01T11:00:00Z");

    // Put again with the same definition (a new version), then synced: the tick due is not offered again,
    // as it would be by a fresh entry, which fires the tick due now.
    putElsewhere(hourly(MissedTickPolicy.SKIP));
    clock.set(at("2026-06-01T11:00:06Z"));
    runtime.sync();
    runtime.sync();
    runtime.evaluate();
    assertThat(keys).hasSize(1);

    // A changed definition starts afresh, like a replaced schedule: it offers the tick due now, which
    // already has its task, so the store still holds one.
    putElsewhere(hourly(MissedTickPolicy.SKIP).newBuilder().task(TaskSpec.builder("other").build()).build());
    runtime.sync();
    runtime.evaluate();
    assertThat(keys).containsExactly("schedule:hourly:2026-06-01T11:00:00Z", "schedule:hourly:2026-06-01T11:00:00Z");
    assertThat(enqueuedTicks()).containsExactly(at("2026-06-01T11:00:00Z"));
    clock.set(at("2026-06-01T12:00:01Z"));
    runtime.evaluate();
    assertThat(store.list(TaskQuery.all(10)).tasks()).extracting(Task::type).containsExactlyInAnyOrder("beat", "other");
  }

  @Test
  void syncAddsSchedulesPutElsewhereAndDropsDeletedOnes() {
    SchedulerRuntime runtime = storedRuntime(errand::enqueueMany);
    runtime.sync();
    assertThat(runtime.list()).isEmpty();
    putElsewhere(hourly(MissedTickPolicy.SKIP));
    putElsewhere(Schedule.cron("nightly", "0 3 * * *", BEAT));
    runtime.sync();
    assertThat(runtime.list()).extracting(ScheduleInfo::name).containsExactly("hourly", "nightly");
    assertThat(runtime.list()).extracting(ScheduleInfo::source).containsOnly(ScheduleSource.STORE);

    store.deleteSchedule("hourly");
    runtime.sync();
    assertThat(runtime.list()).extracting(ScheduleInfo::name).containsExactly("nightly");
    clock.set(at("2026-06-01T11:00:01Z"));
    runtime.evaluate();
    assertThat(enqueuedTicks()).isEmpty();
  }

  @Test
  void putAndDeleteThroughThisNodeApplyAtOnce() {
    SchedulerRuntime runtime = storedRuntime(errand::enqueueMany);
    runtime.put(hourly(MissedTickPolicy.SKIP));
    assertThat(runtime.list()).singleElement().extracting(ScheduleInfo::source).isEqualTo(ScheduleSource.STORE);
    assertThat(store.storedSchedules()).singleElement().satisfies(s -> {
      assertThat(s.version()).isEqualTo(1);
      assertThat(s.definition()).isEqualTo(ScheduleJson.encode(hourly(MissedTickPolicy.SKIP)));
    });
    assertThat(runtime.put(hourly(MissedTickPolicy.CATCH_UP_ONE)).version()).isEqualTo(2);
    assertThat(runtime.list().get(0).schedule().missedTicks()).isEqualTo(MissedTickPolicy.CATCH_UP_ONE);
    assertThat(runtime.delete("hourly")).isTrue();
    assertThat(runtime.list()).isEmpty();
    assertThat(store.storedSchedules()).isEmpty();
    assertThat(runtime.delete("hourly")).isFalse();
  }

  @Test
  void codeScheduleWinsItsNameAndAPutUnderItIsRefused() {
    SchedulerRuntime runtime = storedRuntime(errand::enqueueMany);
    putElsewhere(hourly(MissedTickPolicy.SKIP).newBuilder().task(TaskSpec.builder("from-store").build()).build());
    runtime.register(hourly(MissedTickPolicy.SKIP));
    runtime.sync();
    assertThat(runtime.list()).singleElement().satisfies(i -> {
      assertThat(i.source()).isEqualTo(ScheduleSource.CODE);
      assertThat(i.schedule().task().type()).isEqualTo("beat");
    });
    assertThatThrownBy(() -> runtime.put(hourly(MissedTickPolicy.SKIP)))
        .isInstanceOf(ScheduleConflictException.class).hasMessageContaining("hourly");
    clock.set(at("2026-06-01T11:00:01Z"));
    runtime.evaluate();
    assertThat(store.list(TaskQuery.all(10)).tasks()).singleElement().extracting(Task::type).isEqualTo("beat");

    // Without the code schedule, the stored one runs here.
    runtime.remove("hourly");
    assertThat(runtime.list()).singleElement().satisfies(i -> {
      assertThat(i.source()).isEqualTo(ScheduleSource.STORE);
      assertThat(i.schedule().task().type()).isEqualTo("from-store");
    });
  }

  @Test
  void storedDefinitionThisNodeCannotRunIsSkippedAndTheOthersRun() {
    SchedulerRuntime runtime = storedRuntime(errand::enqueueMany);
    store.putSchedule(new SchedulePutRequest("future", Json.parse(
        "{\"interval\":\"PT1M\",\"jitter\":\"PT5S\",\"task\":{\"type\":\"beat\"}}")));
    putElsewhere(Schedule.builder("patient").interval(Duration.ofMinutes(1)).tolerance(Duration.ofMinutes(10))
        .task(BEAT).build());
    putElsewhere(hourly(MissedTickPolicy.SKIP));
    SchedulerRuntime shortRetention = new SchedulerRuntime("short", clock, Duration.ofMinutes(5),
        errand::enqueueMany, store, Duration.ofSeconds(5));
    runtime.sync();
    shortRetention.sync();
    assertThat(runtime.list()).extracting(ScheduleInfo::name).containsExactly("hourly", "patient");
    // A tolerance of 10 minutes against a retention of 5 could enqueue a pruned tick again: not run there.
    assertThat(shortRetention.list()).extracting(ScheduleInfo::name).containsExactly("hourly");
  }

  /**
   * The store as seen through a switch: while {@code down}, reading the stored schedules fails as an
   * unreachable store would; every other call goes to the real store.
   */
  private ScheduleStore failingSchedules(ScheduleStore real, AtomicBoolean down, AtomicInteger failures) {
    return (ScheduleStore) Proxy.newProxyInstance(ScheduleStore.class.getClassLoader(), new Class<?>[] {ScheduleStore.class},
        (proxy, method, args) -> {
          if (method.getName().equals("storedSchedules") && down.get()) {
            failures.incrementAndGet();
            throw new StoreUnavailableException("store down", null);
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void loopKeepsFiringWhileReadingStoredSchedulesFailsAndPicksThemUpOnceItWorks() {
    AtomicBoolean down = new AtomicBoolean(true);
    AtomicInteger failures = new AtomicInteger();
    InMemoryTaskStore realStore = new InMemoryTaskStore();
    Errand client = Errand.builder().store(realStore).build();
    started = new SchedulerRuntime("test", Clock.systemUTC(), Duration.ofDays(7), client::enqueueMany,
        failingSchedules(realStore, down, failures), Duration.ofMillis(100));
    started.register(Schedule.every("coded", Duration.ofSeconds(1), BEAT));
    started.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() >= 5 && ticksOf(realStore, "coded") >= 2);
    realStore.putSchedule(new SchedulePutRequest("stored", ScheduleJson.encode(
        Schedule.every("stored", Duration.ofSeconds(1), BEAT))));
    down.set(false);
    await().atMost(Duration.ofSeconds(10)).until(() -> ticksOf(realStore, "stored") >= 2);
    assertThat(started.list()).extracting(ScheduleInfo::name).containsExactly("coded", "stored");
  }

  private static long ticksOf(TaskStore store, String schedule) {
    List<Task> tasks = new ArrayList<>(store.list(TaskQuery.all(1000)).tasks());
    return tasks.stream().filter(t -> t.idempotencyKey().startsWith("schedule:" + schedule + ":")).count();
  }
}
