package dev.errand.store.redis;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.TaskStoreConformanceTest;

/** The store contract against a redis-server of the test's own, each test under its own key prefix. */
class RedisStoreConformanceTest extends TaskStoreConformanceTest {
  @Override
  protected TaskStore newStore() {
    return RedisServer.shared().newStore();
  }
}
