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

  @Override
  protected TaskStore newStoreReadingAtMost(int rows) {
    return schemas.newStore(schema -> PostgresStore.builder().url(TestDatabase.URL).schema(schema).maximumPoolSize(4)
        .pageReadLimit(rows).build());
  }

  @AfterAll
  static void dropSchemas() {
    schemas.dropAll();
  }
}
