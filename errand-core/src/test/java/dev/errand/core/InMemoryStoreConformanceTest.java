package dev.errand.core;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.InMemoryTaskStore;
import dev.errand.core.testkit.TaskStoreConformanceTest;

/** Keeps the conformance suite honest: the simplest store that keeps the contract must pass it. */
class InMemoryStoreConformanceTest extends TaskStoreConformanceTest {
  @Override
  protected TaskStore newStore() {
    return new InMemoryTaskStore();
  }
}
