package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.JdbcTransactionalStore;
import dev.errand.core.spi.RunNowRequest;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.WorkflowConformanceTest;
import dev.errand.core.workflow.EnqueuedWorkflow;
import dev.errand.core.workflow.Workflow;
import dev.errand.core.workflow.WorkflowState;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Workflows against the real server, each test on a fresh schema, opened again by a new store for restarts;
 * and a workflow enqueued in the caller's JDBC transaction.
 */
class PostgresWorkflowTest extends WorkflowConformanceTest {
  private static final FreshSchemas schemas = new FreshSchemas("workflow");
  private String schema;

  @Override
  protected TaskStore newStore() {
    return schemas.newStore(name -> {
      schema = name;
      return TestDatabase.newStore(name);
    });
  }

  @Override
  protected TaskStore reopen() {
    return TestDatabase.newStore(schema);
  }

  @Test
  void aWorkflowEnqueuedInTheCallersTransactionExistsIfAndOnlyIfItCommits() throws Exception {
    Errand errand = Errand.builder().store(store).runWorkers(false).runSchedules(false).build();
    JdbcTransactionalStore jdbc = store.capability(JdbcTransactionalStore.class).orElseThrow();
    EnqueuedWorkflow rolledBack;
    try (Connection c = jdbc.openTransaction()) {
      rolledBack = errand.enqueue(c, Workflow.chain(TaskSpec.of("a", 1), TaskSpec.of("b", 2)));
      c.rollback();
    }
    assertThat(errand.workflow(rolledBack.id())).isEmpty();
    assertThat(store.get(rolledBack.nodes().get("0"))).isEmpty();

    EnqueuedWorkflow committed;
    try (Connection c = jdbc.openTransaction()) {
      committed = errand.enqueue(c, Workflow.chain(TaskSpec.of("a", 1), TaskSpec.of("b", 2)));
      assertThat(errand.workflow(committed.id())).as("not visible before the commit").isEmpty();
      c.commit();
    }
    assertThat(errand.workflow(committed.id()).orElseThrow().state()).isEqualTo(WorkflowState.RUNNING);
    assertThat(store.get(committed.nodes().get("0")).orElseThrow().state()).isEqualTo(TaskState.READY);
    assertThat(store.get(committed.nodes().get("1")).orElseThrow().state()).isEqualTo(TaskState.WAITING);
  }

  @Test
  void aSuccessAndADeathOfOneWorkflowCompletedInTheCallersTransactionCountOnceEach() throws Exception {
    // In the caller's transaction the completion statement runs the step of the success and the store
    // runs the death's after it: the success must not be counted again there (its node closes with its
    // end, no flag says it closed), or the workflow would end while x still waits.
    Errand errand = Errand.builder().store(store).runWorkers(false).runSchedules(false).build();
    EnqueuedWorkflow w = errand.enqueue(Workflow.chain(Workflow.group(Workflow.task(TaskSpec.of("a", 1).queue("cx")),
            Workflow.task(TaskSpec.of("b", 2).queue("cx")),
            Workflow.task(TaskSpec.of("x", 3).queue("cx").newBuilder().delay(Duration.ofHours(1)).build())),
        Workflow.task(TaskSpec.of("d", 4).queue("cx"))));
    List<Task> running = store.claim(new ClaimRequest("cx", 10, Duration.ofSeconds(30), "worker-1")).tasks();
    assertThat(running).hasSize(2);
    JdbcTransactionalStore jdbc = store.capability(JdbcTransactionalStore.class).orElseThrow();
    try (Connection c = jdbc.openTransaction()) {
      assertThat(jdbc.completeMany(c, new CompleteRequest(List.of(
          new Completion(running.get(0).id(), running.get(0).lease().token(), new Completion.Succeeded(Json.parse("1"))),
          new Completion(running.get(1).id(), running.get(1).lease().token(), new Completion.Dead("boom"))))).stale())
          .isEmpty();
      c.commit();
    }
    assertThat(store.get(w.nodes().get("3")).orElseThrow().state()).isEqualTo(TaskState.CANCELLED);
    assertThat(errand.workflow(w.id()).orElseThrow().state()).isEqualTo(WorkflowState.RUNNING); // x waits

    TaskId x = w.nodes().get("2");
    store.runNow(RunNowRequest.of(x));
    Task runningX = store.claim(new ClaimRequest("cx", 10, Duration.ofSeconds(30), "worker-1")).tasks().getFirst();
    assertThat(runningX.id()).isEqualTo(x);
    store.completeMany(new CompleteRequest(List.of(
        new Completion(x, runningX.lease().token(), new Completion.Succeeded(Json.parse("3"))))));
    assertThat(errand.workflow(w.id()).orElseThrow().state()).isEqualTo(WorkflowState.FAILED);
  }

  @AfterAll
  static void dropSchemas() {
    schemas.dropAll();
  }
}
