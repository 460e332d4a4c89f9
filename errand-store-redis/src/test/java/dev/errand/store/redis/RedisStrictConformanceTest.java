package dev.errand.store.redis;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.TaskStoreConformanceTest;

/**
 * The store contract on a server that fsyncs every write, opened with {@code durability=strict}: there a
 * completion batch may ride with the next claim (internal {@code CompletionCarrier}), which must change
 * nothing the contract promises.
 */
class RedisStrictConformanceTest extends TaskStoreConformanceTest {
  @Override
  protected TaskStore newStore() {
    return RedisServer.sharedFsyncing().newStrictStore();
  }
}
