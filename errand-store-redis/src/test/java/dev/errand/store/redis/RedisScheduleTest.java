package dev.errand.store.redis;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.ScheduleConformanceTest;

/** Exactly-once schedule ticks across scheduler nodes sharing one Redis installation. */
class RedisScheduleTest extends ScheduleConformanceTest {
  @Override
  protected TaskStore newStore() {
    return RedisServer.shared().newStore();
  }
}
