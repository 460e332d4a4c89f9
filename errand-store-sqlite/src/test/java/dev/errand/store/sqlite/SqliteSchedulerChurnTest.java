package dev.errand.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Errand;
import dev.errand.core.Task;
import dev.errand.core.TaskSpec;
import dev.errand.core.schedule.Schedule;
import dev.errand.core.testkit.TickAudit;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One SQLite process (a store owns its directory, so schedulers share it in one process) with three
 * scheduler Errands on one store, each its own scheduler thread, running the same one-second schedule.
 * For 20 s, every second or so one of them is stopped just after a tick falls due (while the others are
 * inserting it) and a new Errand takes its place, starting with no memory of the ticks done. Every whole
 * second of the run has exactly one task with its tick's key: none missing, none doubled.
 */
class SqliteSchedulerChurnTest {
  private static final int NODES = 3;
  private static final Duration CHURN = Duration.ofSeconds(20);
  private static final String SCHEDULE = "every-second";

  @TempDir
  Path directory;

  private final List<Errand> all = new ArrayList<>();
  private SqliteStore store;

  @AfterEach
  void stopAll() {
    all.forEach(Errand::stop);
    if (store != null) {
      store.close();
    }
  }

  private Errand node(String id) {
    Errand e = Errand.builder().store(store).workerId(id).runWorkers(false).build();
    all.add(e);
    e.schedule(Schedule.every(SCHEDULE, Duration.ofSeconds(1), TaskSpec.builder("beat").build()));
    return e.start();
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void everyTickIsEnqueuedOnceByThreeSchedulerThreadsWhileOneIsStoppedAndReplaced() throws Exception {
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    Random random = new Random(seed);
    store = SqliteStore.open(directory);
    Errand[] nodes = new Errand[NODES];
    for (int i = 0; i < NODES; i++) {
      nodes[i] = node("node-" + i);
    }
    Instant firstRunning = Instant.now();
    long started = System.nanoTime();
    int replaced = 0;
    while (System.nanoTime() - started < CHURN.toNanos()) {
      // Pacing, not waiting for a condition: the stop lands 0-40 ms after a tick is due.
      Instant now = Instant.now();
      Instant stopAt = now.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1).plusMillis(random.nextInt(40));
      Thread.sleep(Duration.between(now, stopAt));
      int victim = random.nextInt(NODES);
      nodes[victim].stop();
      replaced++;
      nodes[victim] = node("node-" + victim + "-replacement-" + replaced);
    }
    Instant end = Instant.now();
    for (Errand node : nodes) {
      node.stop();
    }

    List<Task> tasks = TickAudit.allTasks(store);
    List<Instant> ticks = TickAudit.assertEverySecondOnce(tasks, SCHEDULE,
        firstRunning.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1), end.truncatedTo(ChronoUnit.SECONDS).minusSeconds(1));
    System.out.printf("%d ticks, each enqueued once, over %d s with %d scheduler threads replaced%n", ticks.size(),
        Duration.between(firstRunning, end).toSeconds(), replaced);
    assertThat(tasks).hasSize(ticks.size());
    assertThat(replaced).isGreaterThanOrEqualTo(10);
  }
}
