package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Errand;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.spi.JdbcTransactionalStore;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.WorkflowConformanceTest;
import dev.errand.core.workflow.EnqueuedWorkflow;
import dev.errand.core.workflow.Workflow;
import dev.errand.core.workflow.WorkflowState;
import java.sql.Connection;
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

  @AfterAll
  static void dropSchemas() {
    schemas.dropAll();
  }
}
