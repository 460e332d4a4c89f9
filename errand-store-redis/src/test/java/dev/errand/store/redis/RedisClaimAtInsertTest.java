package dev.errand.store.redis;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.ClaimAtInsertConformanceTest;

/** The insert that leases its task to an idle worker (insertclaim.lua), on a redis-server of the test's own. */
class RedisClaimAtInsertTest extends ClaimAtInsertConformanceTest {
  @Override
  protected TaskStore newStore() {
    return RedisServer.shared().newStore();
  }
}
