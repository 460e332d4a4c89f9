package dev.errand.store.redis;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.ErrandConformanceTest;

/** The Errand runtime on the Redis store. */
class RedisErrandTest extends ErrandConformanceTest {
  @Override
  protected TaskStore newStore() {
    return RedisServer.shared().newStore();
  }
}
