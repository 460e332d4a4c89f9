package dev.errand.core;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.FollowUpConformanceTest;
import dev.errand.core.testkit.InMemoryTaskStore;

/** Follow-ups and joins on the simplest store that keeps the contract. */
class InMemoryFollowUpTest extends FollowUpConformanceTest {
  @Override
  protected TaskStore newStore() {
    return new InMemoryTaskStore();
  }
}
