package dev.errand.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Errand;
import dev.errand.core.ErrandListener;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.internal.SchedulerRuntime;
import dev.errand.core.schedule.MissedTickPolicy;
import dev.errand.core.schedule.Schedule;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * the store, because the store keeps one task per idempotency key. Each store's test module subclasses
 * this with {@link #newStore()}. The nodes use the real clock; the store may use its server's.
 */
public abstract class ScheduleConformanceTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
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

  /** Every task in the store, by paging. */
  private List<Task> allTasks() {
    List<Task> out = new ArrayList<>();
    TaskId before = null;
    do {
      TaskPage page = store.list(new TaskQuery(null, null, null, TaskQuery.MAX_LIMIT, before));
      out.addAll(page.tasks());
      before = page.next();
    } while (before != null);
    return out;
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

    Map<Instant, List<Task>> byTick = new TreeMap<>();
    for (Task t : allTasks()) {
      byTick.computeIfAbsent(t.runAt(), k -> new ArrayList<>()).add(t);
    }
    List<Instant> ticks = new ArrayList<>(byTick.keySet());
    assertThat(ticks.size()).isGreaterThanOrEqualTo(8);
    byTick.forEach((tick, tasks) -> {
      assertThat(tasks).as("tasks for tick %s", tick).hasSize(1);
      assertThat(tasks.get(0).idempotencyKey()).isEqualTo("schedule:heartbeat:" + tick);
      assertThat(tasks.get(0).type()).isEqualTo("beat");
    });
    for (int i = 1; i < ticks.size(); i++) {
      assertThat(ticks.get(i)).as("tick after %s", ticks.get(i - 1)).isEqualTo(ticks.get(i - 1).plusSeconds(1));
    }
    // The window is covered from the tick due when the first node started to the last before the end.
    Instant firstDue = begin.truncatedTo(ChronoUnit.SECONDS);
    assertThat(ticks.get(0)).isBetween(firstDue, firstDue.plusSeconds(2));
    assertThat(ticks.get(ticks.size() - 1)).isAfterOrEqualTo(end.minusSeconds(2));
    // The nodes agree with the store: as many creations were reported as tasks exist.
    assertThat(created.get()).isEqualTo(ticks.size());
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
