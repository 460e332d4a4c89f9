package dev.errand.core;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.ErrandConformanceTest;
import dev.errand.core.testkit.InMemoryTaskStore;

/** The runtime's guarantees on the in-memory reference store. */
class InMemoryErrandTest extends ErrandConformanceTest {
  @Override
  protected TaskStore newStore() {
    return new InMemoryTaskStore();
  }
}
