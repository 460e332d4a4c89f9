package dev.errand.core;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.ClaimAtInsertConformanceTest;
import dev.errand.core.testkit.InMemoryTaskStore;

/** The reference store leases at insert as the contract says. */
class InMemoryClaimAtInsertTest extends ClaimAtInsertConformanceTest {
  @Override
  protected TaskStore newStore() {
    return new InMemoryTaskStore();
  }
}
