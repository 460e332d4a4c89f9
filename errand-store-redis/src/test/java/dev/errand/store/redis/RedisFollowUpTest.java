package dev.errand.store.redis;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.FollowUpConformanceTest;

/** Follow-ups and joins on the Redis store. */
class RedisFollowUpTest extends FollowUpConformanceTest {
  @Override
  protected TaskStore newStore() {
    return RedisServer.shared().newStore();
  }
}
