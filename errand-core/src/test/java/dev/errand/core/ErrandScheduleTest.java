package dev.errand.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.errand.core.schedule.Schedule;
import dev.errand.core.schedule.ScheduleInfo;
import dev.errand.core.schedule.ScheduleSource;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Schedules through the facade: registering, listing, removing, and the start switches. */
class ErrandScheduleTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final TaskSpec BEAT = TaskSpec.builder("beat").build();

  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private final List<Errand> errands = new ArrayList<>();

  @AfterEach
  void closeAll() {
    errands.forEach(Errand::stop);
    store.close();
  }

  private Errand errand(Consumer<Errand.Builder> config) {
    Errand.Builder b = Errand.builder().store(store).queue("default", 4).pollInterval(Duration.ofMillis(50));
    config.accept(b);
    Errand e = b.build();
    errands.add(e);
    return e;
  }

  private int taskCount() {
    return store.list(TaskQuery.all(1000)).tasks().size();
  }

  @Test
  void scheduleRegisteredAfterStartRunsItsTicksOnTheWorkers() {
    Errand errand = errand(b -> {});
    List<Task> ran = new CopyOnWriteArrayList<>();
    errand.handle("beat", Json.class, (context, p) -> ran.add(context.task()));
    errand.start();
    errand.schedule(Schedule.every("heartbeat", Duration.ofSeconds(1), BEAT));
    await().atMost(WAIT).until(() -> ran.size() >= 2);
    for (Task t : ran) {
      assertThat(t.runAt().getNano()).isZero();
      assertThat(t.idempotencyKey()).isEqualTo("schedule:heartbeat:" + t.runAt());
    }
    assertThat(ran).extracting(Task::runAt).doesNotHaveDuplicates();
  }

  @Test
  void schedulesAreListedByNameWithTheirNextAndLastFire() {
    Errand errand = errand(b -> b.runWorkers(false));
    errand.schedule(Schedule.cron("nightly", "0 3 * * *", BEAT));
    errand.schedule(Schedule.every("heartbeat", Duration.ofSeconds(1), BEAT));
    errand.schedule(Schedule.every("heartbeat", Duration.ofMinutes(1), BEAT)); // replaces by name
    Instant before = Instant.now();
    List<ScheduleInfo> infos = errand.schedules();
    Instant after = Instant.now();
    assertThat(infos).extracting(ScheduleInfo::name).containsExactly("heartbeat", "nightly");
    ScheduleInfo heartbeat = infos.get(0);
    assertThat(heartbeat.schedule().interval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(heartbeat.lastFire()).isBeforeOrEqualTo(after).isAfter(before.minus(Duration.ofMinutes(1)));
    assertThat(heartbeat.nextFire()).isEqualTo(heartbeat.lastFire().plus(Duration.ofMinutes(1)));
    assertThat(infos.get(1).nextFire()).isAfter(before);
  }

  @Test
  void unscheduledScheduleEnqueuesNoMoreTicks() {
    Errand errand = errand(b -> b.runWorkers(false)).start();
    errand.schedule(Schedule.every("heartbeat", Duration.ofSeconds(1), BEAT));
    await().atMost(WAIT).until(() -> taskCount() >= 1);
    assertThat(errand.unschedule("heartbeat")).isTrue();
    assertThat(errand.unschedule("heartbeat")).isFalse();
    assertThat(errand.schedules()).isEmpty();
    int left = taskCount();
    await().during(Duration.ofMillis(1500)).atMost(WAIT).until(() -> taskCount() == left);
  }

  @Test
  void schedulerOnlyNodeLeavesTicksForTheWorkers() {
    Errand errand = errand(b -> b.runWorkers(false));
    errand.schedule(Schedule.every("heartbeat", Duration.ofSeconds(1), BEAT));
    errand.start();
    await().atMost(WAIT).until(() -> taskCount() >= 2);
    // No worker here claimed them: with no handler, a worker would have sent them to DEAD.
    assertThat(store.list(TaskQuery.all(100)).tasks())
        .allSatisfy(t -> assertThat(t.state()).isEqualTo(TaskState.READY));
  }

  @Test
  void workerOnlyNodeFiresNoTicks() {
    Errand errand = errand(b -> b.runSchedules(false));
    errand.schedule(Schedule.every("heartbeat", Duration.ofSeconds(1), BEAT));
    errand.start();
    await().during(Duration.ofMillis(1500)).atMost(WAIT).until(() -> taskCount() == 0);
    assertThat(errand.schedules()).hasSize(1);
  }

  @Test
  void scheduleIsRefusedAtRegistrationWhenItCouldNeverEnqueue() {
    Errand small = errand(b -> b.maxPayloadBytes(10));
    Schedule big = Schedule.every("big", Duration.ofSeconds(1), TaskSpec.of("beat", "x".repeat(50)));
    assertThatThrownBy(() -> small.schedule(big)).isInstanceOf(PayloadTooLargeException.class);
    Errand shortRetention = errand(b -> b.retention(Duration.ofSeconds(5)));
    assertThatThrownBy(() -> shortRetention.schedule(Schedule.every("s", Duration.ofSeconds(1), BEAT)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retention");
    assertThat(small.schedules()).isEmpty();
  }

  @Test
  void storedScheduleIsListedBesideCodeOnesWithItsSource() {
    Errand errand = errand(b -> b.runWorkers(false));
    errand.schedule(Schedule.cron("nightly", "0 3 * * *", BEAT));
    errand.putSchedule(Schedule.every("heartbeat", Duration.ofSeconds(30), BEAT));
    assertThat(errand.schedules()).extracting(ScheduleInfo::name, ScheduleInfo::source)
        .containsExactly(tuple("heartbeat", ScheduleSource.STORE),
            tuple("nightly", ScheduleSource.CODE));
    assertThat(store.storedSchedules()).extracting(s -> s.name()).containsExactly("heartbeat");

    // Another Errand on the store that runs no scheduler reads the stored ones when asked.
    Errand client = errand(b -> b.runSchedules(false));
    assertThat(client.schedules()).extracting(ScheduleInfo::name).containsExactly("heartbeat");
    assertThat(client.deleteSchedule("heartbeat")).isTrue();
    assertThat(client.schedules()).isEmpty();
    assertThatThrownBy(() -> client.deleteSchedule("Not A Name")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name");
  }

  @Test
  void putUnderTheNameOfACodeScheduleIsRefusedAndStoresNothing() {
    Errand errand = errand(b -> b.runWorkers(false));
    errand.schedule(Schedule.cron("nightly", "0 3 * * *", BEAT));
    assertThatThrownBy(() -> errand.putSchedule(Schedule.cron("nightly", "0 4 * * *", BEAT)))
        .isInstanceOf(ScheduleConflictException.class).hasMessageContaining("nightly");
    assertThat(store.storedSchedules()).isEmpty();
    assertThat(errand.schedules()).singleElement().extracting(i -> i.schedule().cron()).isEqualTo("0 3 * * *");
  }

  @Test
  void storedScheduleIsRefusedLikeACodeOneWhenItCouldNeverEnqueue() {
    Errand small = errand(b -> b.maxPayloadBytes(10));
    assertThatThrownBy(() -> small.putSchedule(Schedule.every("big", Duration.ofSeconds(1),
        TaskSpec.of("beat", "x".repeat(50))))).isInstanceOf(PayloadTooLargeException.class);
    Errand shortRetention = errand(b -> b.retention(Duration.ofSeconds(5)));
    assertThatThrownBy(() -> shortRetention.putSchedule(Schedule.every("s", Duration.ofSeconds(1), BEAT)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retention");
    assertThat(store.storedSchedules()).isEmpty();
  }
}
