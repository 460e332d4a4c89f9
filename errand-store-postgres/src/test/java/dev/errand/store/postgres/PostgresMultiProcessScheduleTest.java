package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Task;
import dev.errand.core.testkit.TickAudit;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three scheduler JVMs ({@link SchedulerNode}) on one schema run the same one-second schedule. For 20 s,
 * every second or two one of the running nodes is killed with SIGKILL, just after a tick falls due
 * (while the nodes are inserting it), and a new JVM is started in its place; a node is killed only while
 * another one runs. Over the whole run, every whole second from the first node's start to the end has
 * exactly one task with its tick's key: none is missing though nodes died mid-pass, and none is doubled
 * though up to three processes insert every tick with no leader among them.
 */
class PostgresMultiProcessScheduleTest extends MultiProcessTest {
  private static final int NODES = 3;
  private static final Duration CHURN = Duration.ofSeconds(20);
  /** A scheduler needs little: C1 only and the serial collector start faster on a busy machine. */
  private static final List<String> JVM = List.of("-Xmx128m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  PostgresMultiProcessScheduleTest() {
    super("sched_procs");
  }

  private final Process[] nodes = new Process[NODES];
  private final String[] ids = new String[NODES];

  private void launchNode(int slot, String id) throws Exception {
    ids[slot] = id;
    nodes[slot] = launch(JVM, SchedulerNode.class, id);
    workers.add(nodes[slot]);
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void everyTickIsEnqueuedOnceByThreeProcessesWhileTheyAreKilledAndRestarted() throws Exception {
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    Random random = new Random(seed);
    for (int i = 0; i < NODES; i++) {
      launchNode(i, "node-" + i);
    }
    awaitStarted(nodes[0], ids[0]);
    Instant firstRunning = Instant.now(); // from here to the end, a scheduler always runs
    long started = System.nanoTime();

    int kills = 0;
    while (System.nanoTime() - started < CHURN.toNanos()) {
      // Pacing, not waiting for a condition: the kill lands 0-40 ms after a tick is due.
      Instant now = Instant.now();
      Instant killAt = now.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1 + random.nextInt(2))
          .plusMillis(random.nextInt(40));
      Thread.sleep(Duration.between(now, killAt));
      List<Integer> running = new ArrayList<>();
      for (int i = 0; i < NODES; i++) {
        if (started(nodes[i], ids[i])) {
          running.add(i);
        }
      }
      if (running.size() < 2) {
        continue; // the only running node is never the victim
      }
      int victim = running.get(random.nextInt(running.size()));
      nodes[victim].destroyForcibly(); // SIGKILL: no shutdown, no cleanup
      assertThat(nodes[victim].waitFor(30, TimeUnit.SECONDS)).isTrue();
      kills++;
      launchNode(victim, "node-" + victim + "-restart-" + kills);
    }
    for (int i = 0; i < NODES; i++) {
      awaitStarted(nodes[i], ids[i]);
    }
    Instant end = Instant.now();
    for (Process p : nodes) {
      p.getOutputStream().close(); // graceful stop
    }
    for (Process p : nodes) {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("node stopped gracefully").isTrue();
    }

    List<Task> tasks = TickAudit.allTasks(db.newStore());
    Instant first = firstRunning.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    Instant last = end.truncatedTo(ChronoUnit.SECONDS).minusSeconds(1);
    List<Instant> ticks = TickAudit.assertEverySecondOnce(tasks, SchedulerNode.SCHEDULE, first, last);
    System.out.printf("%d ticks, each enqueued once, over %d s with %d kills of a scheduler process%n",
        ticks.size(), Duration.between(firstRunning, end).toSeconds(), kills);
    assertThat(tasks).hasSize(ticks.size());
    assertThat(kills).isGreaterThanOrEqualTo(5);
    assertThat(ticks.size()).isGreaterThanOrEqualTo((int) CHURN.toSeconds());
  }
}
