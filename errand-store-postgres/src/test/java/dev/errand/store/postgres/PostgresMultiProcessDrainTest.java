package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Json;
import dev.errand.core.RetryPolicy;
import dev.errand.core.TaskId;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.NewTask;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three worker JVMs on one database drain 50,000 tasks while one of them is killed with SIGKILL
 * mid-run. Every task ends SUCCEEDED; each task's effect (a row written in the handler's transaction)
 * exists exactly once; and the only tasks run more than once are those the killed worker held when it
 * died, whose leases had to expire.
 */
class PostgresMultiProcessDrainTest extends MultiProcessTest {
  private static final int TASKS = 50_000;
  private static final int WORKERS = 3;

  PostgresMultiProcessDrainTest() {
    super("drain");
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void killedWorkerLosesNothingAndOnlyItsTasksRunAgain() throws Exception {
    PostgresStore producer = db.newStore();
    long start = System.nanoTime();
    List<NewTask> batch = new ArrayList<>();
    for (int i = 0; i < TASKS; i++) {
      batch.add(new NewTask(TaskId.generate(), "drain", "drain", Json.parse("{\"n\":" + i + "}"), 0, null,
          Duration.ZERO, RetryPolicy.DEFAULT, Duration.ofMinutes(1), null));
      if (batch.size() == 1000) {
        producer.insertMany(new InsertRequest(batch));
        batch = new ArrayList<>();
      }
    }
    System.out.printf("enqueued %d tasks in %d ms%n", TASKS, Duration.ofNanos(System.nanoTime() - start).toMillis());

    for (int w = 0; w < WORKERS; w++) {
      workers.add(startWorker("worker-" + w));
    }
    start = System.nanoTime();
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
        .until(() -> count("SELECT count(*) FROM %s.tasks WHERE state = 'SUCCEEDED'") >= TASKS / 3);

    Process victim = workers.get(0);
    victim.destroyForcibly(); // SIGKILL: no shutdown hook, no release, leases left to expire
    assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
    Set<String> heldWhenKilled = ids("SELECT id FROM %s.tasks WHERE state = 'RUNNING' AND worker_id = 'worker-0'");
    System.out.printf("killed worker-0 holding %d tasks after %d ms%n", heldWhenKilled.size(),
        Duration.ofNanos(System.nanoTime() - start).toMillis());

    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
        .until(() -> count("SELECT count(*) FROM %s.tasks WHERE state = 'SUCCEEDED'") == TASKS);
    System.out.printf("drained in %d ms%n", Duration.ofNanos(System.nanoTime() - start).toMillis());
    for (Process p : workers.subList(1, WORKERS)) {
      p.getOutputStream().close(); // graceful stop
    }
    for (Process p : workers.subList(1, WORKERS)) {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("worker stopped gracefully").isTrue();
    }

    assertThat(count("SELECT count(*) FROM %s.tasks")).isEqualTo(TASKS);
    assertThat(count("SELECT count(*) FROM %s.runs")).as("one committed effect per task").isEqualTo(TASKS);
    assertThat(count("SELECT count(DISTINCT task_id) FROM %s.runs")).isEqualTo(TASKS);
    Set<String> ranAgain = ids("SELECT id FROM %s.tasks WHERE attempt > 1");
    System.out.printf("%d tasks ran again%n", ranAgain.size());
    assertThat(heldWhenKilled).as("worker-0 died holding leases").isNotEmpty();
    assertThat(heldWhenKilled).containsAll(ranAgain);
    assertThat(count("SELECT count(*) FROM %s.tasks WHERE attempt > 2")).isZero();
    assertThat(count("SELECT count(*) FROM %s.runs WHERE worker_id = 'worker-0' AND attempt > 1")).isZero();
  }

  private Set<String> ids(String sqlWithSchema) throws Exception {
    Set<String> ids = new HashSet<>();
    try (Connection c = TestDatabase.connect(); PreparedStatement ps = c.prepareStatement(
        String.format(sqlWithSchema, db.name())); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    }
    return ids;
  }
}
