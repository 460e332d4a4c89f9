package dev.errand.store.postgres;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.ScheduleConformanceTest;
import org.junit.jupiter.api.AfterAll;

/** Exactly-once schedule ticks across scheduler nodes sharing one PostgreSQL schema. */
class PostgresScheduleTest extends ScheduleConformanceTest {
  private static final FreshSchemas schemas = new FreshSchemas("sched");

  @Override
  protected TaskStore newStore() {
    return schemas.newStore();
  }

  @AfterAll
  static void dropSchemas() {
    schemas.dropAll();
  }
}
