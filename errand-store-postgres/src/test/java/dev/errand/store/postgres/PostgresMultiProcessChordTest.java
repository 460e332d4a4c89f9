package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.TaskSpec;
import dev.errand.core.workflow.EnqueuedWorkflow;
import dev.errand.core.workflow.Workflow;
import dev.errand.core.workflow.WorkflowState;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A chord of 1,000 tasks drained by three worker JVMs ({@link ChordWorker}), one killed with SIGKILL
 * mid-run: the callback's effect commits exactly once, it starts after every member has finished, and it
 * sees 1,000 parents, all SUCCEEDED, with every member's result.
 */
class PostgresMultiProcessChordTest extends MultiProcessTest {
  private static final int MEMBERS = 1_000;
  private static final int WORKERS = 3;

  PostgresMultiProcessChordTest() {
    super("chord");
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void callbackRunsOnceAfterAllMembersWhenAWorkerIsKilled() throws Exception {
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + db.name() + ".callbacks (task_id text NOT NULL, worker_id text NOT NULL,"
          + " attempt int NOT NULL, parents int NOT NULL, succeeded bigint NOT NULL, total bigint NOT NULL)");
    }
    Errand producer = Errand.builder().store(db.newStore()).runWorkers(false).runSchedules(false).build();
    List<TaskSpec> members = new ArrayList<>();
    long expectedTotal = 0;
    for (int i = 1; i <= MEMBERS; i++) {
      members.add(TaskSpec.of("member", i).queue("chord"));
      expectedTotal += i;
    }
    EnqueuedWorkflow w = producer.enqueue(Workflow.chord(Workflow.group(members),
        TaskSpec.of("callback", Json.NULL).queue("chord")));
    String callback = w.nodes().get(Integer.toString(MEMBERS)).value();

    for (int i = 0; i < WORKERS; i++) {
      Process p = launch(List.of("-Xmx256m"), ChordWorker.class, "worker-" + i);
      workers.add(p);
    }
    for (int i = 0; i < WORKERS; i++) {
      awaitStarted(workers.get(i), "worker-" + i);
    }
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
        .until(() -> count("SELECT count(*) FROM %s.tasks WHERE state = 'SUCCEEDED'") >= MEMBERS / 4);
    Process victim = workers.get(0);
    victim.destroyForcibly(); // SIGKILL: its leases are left to expire and be swept by the others
    assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
    long heldWhenKilled = count("SELECT count(*) FROM %s.tasks WHERE state = 'RUNNING' AND worker_id = 'worker-0'");
    System.out.printf("killed worker-0 holding %d tasks%n", heldWhenKilled);

    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
        .until(() -> producer.workflow(w.id()).orElseThrow().state() != WorkflowState.RUNNING);
    for (Process p : workers.subList(1, WORKERS)) {
      p.getOutputStream().close();
    }
    for (Process p : workers.subList(1, WORKERS)) {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("worker stopped gracefully").isTrue();
    }

    assertThat(producer.workflow(w.id()).orElseThrow().state()).isEqualTo(WorkflowState.SUCCEEDED);
    assertThat(count("SELECT count(*) FROM %s.callbacks")).as("callback effect committed once").isEqualTo(1);
    assertThat(count("SELECT parents FROM %s.callbacks")).isEqualTo(MEMBERS);
    assertThat(count("SELECT succeeded FROM %s.callbacks")).isEqualTo(MEMBERS);
    assertThat(count("SELECT total FROM %s.callbacks")).isEqualTo(expectedTotal);
    assertThat(count("SELECT count(DISTINCT task_id) FROM %s.runs")).isEqualTo(MEMBERS);
    // The callback was claimed only after the last member had finished.
    assertThat(count("SELECT count(*) FROM %1$s.tasks m, %1$s.tasks cb WHERE cb.id = '" + callback
        + "' AND m.id <> cb.id AND m.finished_at > cb.started_at")).isZero();
    assertThat(count("SELECT count(*) FROM %s.tasks WHERE state <> 'SUCCEEDED'")).isZero();
  }
}
