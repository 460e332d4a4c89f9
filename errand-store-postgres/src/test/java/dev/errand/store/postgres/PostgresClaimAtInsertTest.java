package dev.errand.store.postgres;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.ClaimAtInsertConformanceTest;
import org.junit.jupiter.api.AfterAll;

/** The insert that leases its task to an idle worker, against the real server, each test on a fresh schema. */
class PostgresClaimAtInsertTest extends ClaimAtInsertConformanceTest {
  private static final FreshSchemas schemas = new FreshSchemas("cins");

  @Override
  protected TaskStore newStore() {
    return schemas.newStore();
  }

  @AfterAll
  static void dropSchemas() {
    schemas.dropAll();
  }
}
