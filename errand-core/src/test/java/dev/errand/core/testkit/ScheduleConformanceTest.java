package dev.errand.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Errand;
import dev.errand.core.ErrandListener;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskSpec;
import dev.errand.core.internal.SchedulerRuntime;
import dev.errand.core.schedule.MissedTickPolicy;
import dev.errand.core.schedule.Schedule;
import dev.errand.core.schedule.ScheduleInfo;
import dev.errand.core.schedule.ScheduleSource;
import dev.errand.core.spi.SchedulePutRequest;
import dev.errand.core.spi.ScheduleStore;
import dev.errand.core.spi.StoredSchedule;
import dev.errand.core.spi.TaskStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Schedules against every store: each tick becomes exactly one task however many scheduler nodes share
 * the store, because the store keeps one task per idempotency key; the store keeps schedule definitions
 * as given (put, replace, list, delete), and a schedule stored through one node runs on every node.
 * Each store's test module subclasses this with {@link #newStore()}. The nodes use the real clock; the
 * store may use its server's.
 */
public abstract class ScheduleConformanceTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Duration CLOCK_SKEW = Duration.ofSeconds(5);
  private static final TaskSpec BEAT = TaskSpec.builder("beat").build();

  protected TaskStore store;
  private final List<Errand> errands = new CopyOnWriteArrayList<>();

  /** A fresh, empty store. */
  protected abstract TaskStore newStore();

  @BeforeEach
  void openStore() {
    store = newStore();
  }

  @AfterEach
  void closeAll() {
    errands.forEach(Errand::stop);
    store.close();
  }

  /** A scheduler-only node on the shared store, running {@code schedule}. */
  private Errand node(String id, Schedule schedule, ErrandListener listener) {
    Errand e = Errand.builder().store(store).workerId(id).runWorkers(false).listener(listener).build();
    errands.add(e);
    e.schedule(schedule);
    return e.start();
  }

  private List<Task> allTasks() {
    return TickAudit.allTasks(store);
  }

  private int taskCount() {
    return allTasks().size();
  }

  @Test
  void everyTickIsEnqueuedExactlyOnceByThreeNodesWhileTheyRestart() {
    Schedule schedule = Schedule.every("heartbeat", Duration.ofSeconds(1), BEAT);
    AtomicInteger created = new AtomicInteger();
    ErrandListener counting = new ErrandListener() {
      @Override
      public void enqueued(Task task) {
        created.incrementAndGet();
      }
    };
    Instant begin = Instant.now();
    Errand[] nodes = new Errand[3];
    for (int i = 0; i < nodes.length; i++) {
      nodes[i] = node("node-" + i, schedule, counting);
    }
    // Each round stops one node, lets a tick pass without it, restarts it and lets a tick pass with it.
    for (int round = 0; round < 4; round++) {
      int victim = round % nodes.length;
      nodes[victim].stop();
      int before = taskCount();
      await().atMost(WAIT).until(() -> taskCount() > before);
      nodes[victim] = node("node-" + victim + "-restart-" + round, schedule, counting);
      int restarted = taskCount();
      await().atMost(WAIT).until(() -> taskCount() > restarted);
    }
    for (Errand node : nodes) {
      node.stop();
    }
    Instant end = Instant.now();

    List<Task> tasks = allTasks();
    assertThat(tasks).extracting(Task::type).containsOnly("beat");
    // The window is covered from the tick due when the first node started to the last before the end.
    Instant firstDue = begin.truncatedTo(ChronoUnit.SECONDS);
    List<Instant> ticks = TickAudit.assertEverySecondOnce(tasks, "heartbeat", firstDue.plusSeconds(1),
        end.truncatedTo(ChronoUnit.SECONDS).minusSeconds(1));
    assertThat(ticks.size()).isGreaterThanOrEqualTo(8).isEqualTo(tasks.size());
    assertThat(ticks.get(0)).isBetween(firstDue, firstDue.plusSeconds(1));
    // The nodes agree with the store: as many creations were reported as tasks exist.
    assertThat(created.get()).isEqualTo(ticks.size());
  }

  // ---------------------------------------------------------------- stored schedules

  @Test
  void storedSchedulesArePutReplacedListedByNameAndDeleted() {
    // The store keeps the bytes it is given; whitespace and non-ASCII would not survive a re-encoding.
    Json nightly = Json.parse("{ \"cron\" : \"0 3 * * *\",\n  \"task\" : {\"type\":\"report\", \"payload\": \"ünï ✓\"} }");
    Json beat = Json.parse("{\"interval\":\"PT1S\",\"task\":{\"type\":\"beat\"}}");
    Instant before = Instant.now();
    StoredSchedule first = schedules().putSchedule(new SchedulePutRequest("nightly", nightly));
    schedules().putSchedule(new SchedulePutRequest("beat", beat));
    assertThat(first.name()).isEqualTo("nightly");
    assertThat(first.definition().toByteArray()).isEqualTo(nightly.toByteArray());
    assertThat(first.version()).isEqualTo(1);
    // The store's clock may be a database server's: near ours, not equal.
    assertThat(first.updatedAt()).isBetween(before.minus(CLOCK_SKEW), Instant.now().plus(CLOCK_SKEW));
    List<StoredSchedule> listed = schedules().storedSchedules();
    assertThat(listed).extracting(StoredSchedule::name).containsExactly("beat", "nightly");
    assertThat(listed.get(1)).isEqualTo(first);

    Json replacement = Json.parse("{\"cron\":\"0 4 * * *\",\"task\":{\"type\":\"report\"}}");
    StoredSchedule second = schedules().putSchedule(new SchedulePutRequest("nightly", replacement));
    assertThat(second.version()).isEqualTo(2);
    assertThat(second.updatedAt()).isAfterOrEqualTo(first.updatedAt());
    assertThat(schedules().storedSchedules()).containsExactly(listed.get(0), second);
    assertThat(second.definition().toByteArray()).isEqualTo(replacement.toByteArray());

    assertThat(schedules().deleteSchedule("nightly")).isTrue();
    assertThat(schedules().deleteSchedule("nightly")).isFalse();
    assertThat(schedules().deleteSchedule("never-put")).isFalse();
    assertThat(schedules().storedSchedules()).extracting(StoredSchedule::name).containsExactly("beat");
    // A name put again after a delete starts over.
    assertThat(schedules().putSchedule(new SchedulePutRequest("nightly", beat)).version()).isEqualTo(1);
  }

  @Test
  void storedScheduleNamesAreChecked() {
    Json definition = Json.parse("{\"interval\":\"PT1S\",\"task\":{\"type\":\"beat\"}}");
    assertThatThrownBy(() -> new SchedulePutRequest("Not A Name", definition))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
    assertThatThrownBy(() -> schedules().deleteSchedule("Not A Name"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
    assertThatThrownBy(() -> schedules().deleteSchedule(null)).isInstanceOf(IllegalArgumentException.class);
    String longest = "a" + "-".repeat(62) + "z";
    schedules().putSchedule(new SchedulePutRequest(longest, definition));
    assertThat(schedules().storedSchedules()).extracting(StoredSchedule::name).containsExactly(longest);
  }

  /** The store's stored schedules; the calling test skips when the store keeps none. */
  protected final ScheduleStore schedules() {
    Optional<ScheduleStore> schedules = store.capability(ScheduleStore.class);
    assumeThat(schedules).as("store keeps schedules").isPresent();
    return schedules.orElseThrow();
  }

  /** A scheduler-only node on the shared store that reads the stored schedules often. */
  private Errand storedNode(String id) {
    schedules();
    Errand e = Errand.builder().store(store).workerId(id).runWorkers(false)
        .scheduleSyncInterval(Duration.ofMillis(200)).build();
    errands.add(e);
    return e.start();
  }

  private long ticksOf(String schedule) {
    return allTasks().stream().filter(t -> t.idempotencyKey().startsWith("schedule:" + schedule + ":")).count();
  }

  @Test
  void scheduleStoredThroughOneNodeIsRunByEveryNodeAndEachTickIsEnqueuedOnce() {
    Errand a = storedNode("node-a");
    Errand b = storedNode("node-b");
    Instant begin = Instant.now();
    a.putSchedule(Schedule.every("pulse", Duration.ofSeconds(1), BEAT));
    await().atMost(WAIT).until(() -> b.schedules().stream()
        .anyMatch(i -> i.name().equals("pulse") && i.source() == ScheduleSource.STORE));
    await().atMost(WAIT).until(() -> ticksOf("pulse") >= 3);
    // Node b runs it too: with a stopped, b goes on and no tick is missed.
    a.stop();
    long withoutA = ticksOf("pulse");
    await().atMost(WAIT).until(() -> ticksOf("pulse") >= withoutA + 3);
    // Deleted through a third node, it stops on b once b has synced.
    Errand c = storedNode("node-c");
    assertThat(c.schedules()).extracting(ScheduleInfo::name).containsExactly("pulse");
    assertThat(c.deleteSchedule("pulse")).isTrue();
    await().atMost(WAIT).until(() -> b.schedules().isEmpty());
    Instant end = Instant.now();
    long settled = ticksOf("pulse");
    await().during(Duration.ofMillis(1500)).atMost(WAIT).until(() -> ticksOf("pulse") == settled);

    List<Instant> ticks = TickAudit.assertEverySecondOnce(allTasks(), "pulse",
        begin.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1), end.truncatedTo(ChronoUnit.SECONDS).minusSeconds(1));
    assertThat(ticks).hasSize((int) settled);
  }

  @Test
  void latestMissedTickIsCaughtUpOnceByNodesEvaluatingTogether() throws Exception {
    // Three nodes come back at the same moment after a downtime; all three catch up the same tick.
    Instant now = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofMinutes(25));
    Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    Schedule hourly = Schedule.builder("hourly").cron("0 * * * *").missedTicks(MissedTickPolicy.CATCH_UP_ONE)
        .task(BEAT).build();
    AtomicInteger created = new AtomicInteger();
    ErrandListener counting = new ErrandListener() {
      @Override
      public void enqueued(Task task) {
        created.incrementAndGet();
      }
    };
    List<SchedulerRuntime> schedulers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Errand client = Errand.builder().store(store).clock(clock).workerId("node-" + i).listener(counting).build();
      errands.add(client);
      SchedulerRuntime scheduler = new SchedulerRuntime("node-" + i, clock, Duration.ofDays(7), client::enqueueMany);
      scheduler.register(hourly);
      schedulers.add(scheduler);
    }
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Instant>> passes = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (SchedulerRuntime scheduler : schedulers) {
        passes.add(pool.submit(() -> {
          go.await();
          return scheduler.evaluate();
        }));
      }
      go.countDown();
      for (Future<Instant> pass : passes) {
        pass.get();
      }
    }
    List<Task> tasks = allTasks();
    Instant tick = now.truncatedTo(ChronoUnit.HOURS);
    assertThat(tasks).hasSize(1);
    assertThat(tasks.get(0).runAt()).isEqualTo(tick);
    assertThat(tasks.get(0).idempotencyKey()).isEqualTo("schedule:hourly:" + tick);
    assertThat(created).hasValue(1);
  }
}
