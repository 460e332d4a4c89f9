package dev.errand.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Errand;
import dev.errand.core.QueueLimits;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two Errand nodes, each with its own store and connection, on one Redis installation: the queue's
 * cluster-wide cap of 3 RUNNING tasks is never exceeded although each node has 8 worker slots, and every
 * task runs once while its lease is held (no task is handed to both nodes).
 */
class RedisTwoNodesTest {
  @Test
  void twoNodesShareTheCapAndNeverRunOneTaskTwice() {
    String url = RedisServer.shared().url("durability=none");
    int total = 300;
    AtomicInteger running = new AtomicInteger();
    AtomicInteger mostRunning = new AtomicInteger();
    Map<TaskId, Integer> runs = new ConcurrentHashMap<>();
    List<RedisStore> stores = new ArrayList<>();
    List<Errand> nodes = new ArrayList<>();
    try {
      for (int n = 0; n < 2; n++) {
        RedisStore store = RedisStore.of(url);
        stores.add(store);
        Errand node = Errand.builder().store(store).workerId("node-" + n).queue("capped", 8)
            .leaseDuration(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).build();
        node.handle("work", Map.class, (task, payload) -> {
          mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
          try {
            runs.merge(task.id(), 1, Integer::sum);
            Thread.sleep(2);
          } finally {
            running.decrementAndGet();
          }
          return null;
        });
        nodes.add(node);
      }
      nodes.getFirst().limits("capped", QueueLimits.concurrency(3));
      List<TaskSpec> specs = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        specs.add(TaskSpec.builder("work").queue("capped").payloadValue(Map.of("i", i)).build());
      }
      nodes.getFirst().enqueueMany(specs);
      nodes.forEach(Errand::start);

      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> runs.size() == total);
      assertThat(runs.values()).as("each task ran once").allMatch(n -> n == 1);
      assertThat(mostRunning.get()).as("handlers running at once across both nodes").isBetween(1, 3);
    } finally {
      nodes.forEach(Errand::stop);
      stores.forEach(RedisStore::close);
    }
  }
}
