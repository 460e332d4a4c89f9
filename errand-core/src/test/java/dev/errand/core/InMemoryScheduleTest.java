package dev.errand.core;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.InMemoryTaskStore;
import dev.errand.core.testkit.ScheduleConformanceTest;

/** Exactly-once schedule ticks on the in-memory reference store. */
class InMemoryScheduleTest extends ScheduleConformanceTest {
  @Override
  protected TaskStore newStore() {
    return new InMemoryTaskStore();
  }
}
