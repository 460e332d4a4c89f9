package dev.errand.store.postgres;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.ErrandConformanceTest;
import org.junit.jupiter.api.AfterAll;

/** The runtime's guarantees on the PostgreSQL store, each test on a fresh schema. */
class PostgresErrandTest extends ErrandConformanceTest {
  private static final FreshSchemas schemas = new FreshSchemas("errand");

  @Override
  protected TaskStore newStore() {
    return schemas.newStore();
  }

  @AfterAll
  static void dropSchemas() {
    schemas.dropAll();
  }
}
