package dev.errand.store.postgres;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.WorkflowConformanceTest;
import org.junit.jupiter.api.AfterAll;

/** Workflows against the real server, each test on a fresh schema, opened again by a new store for restarts. */
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

  @AfterAll
  static void dropSchemas() {
    schemas.dropAll();
  }
}
