package dev.errand.store.postgres;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.FollowUpConformanceTest;
import org.junit.jupiter.api.AfterAll;

/** Follow-ups and joins against the real server, each test on a fresh schema. */
class PostgresFollowUpTest extends FollowUpConformanceTest {
  private static final FreshSchemas schemas = new FreshSchemas("follow");

  @Override
  protected TaskStore newStore() {
    return schemas.newStore();
  }

  @AfterAll
  static void dropSchemas() {
    schemas.dropAll();
  }
}
