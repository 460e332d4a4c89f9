package dev.errand.store.redis;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.ErrandConformanceTest;

/**
 * The Errand runtime on a server that fsyncs every write, with {@code durability=strict}: the runtime's
 * claimer and completer run on their own threads, so completion batches ride with claims here.
 */
class RedisStrictErrandTest extends ErrandConformanceTest {
  @Override
  protected TaskStore newStore() {
    return RedisServer.sharedFsyncing().newStrictStore();
  }
}
