package dev.errand.store.postgres;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.TaskStoreConformanceTest;
import org.junit.jupiter.api.AfterAll;

/** The store contract against the real server, each test on a fresh schema. */
class PostgresStoreConformanceTest extends TaskStoreConformanceTest {
  private static final FreshSchemas schemas = new FreshSchemas("conf");

  @Override
  protected TaskStore newStore() {
    return schemas.newStore();
  }

  @AfterAll
  static void dropSchemas() {
    schemas.dropAll();
  }
}
