package dev.errand.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.TaskState;
import dev.errand.core.spi.NewTask;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A Redis Cluster of two primaries (each of the test's own): an installation's keys all lie in the
 * slot of its prefix, so the store works against the primary that serves that slot, and refuses at
 * start, naming the slot's node, a node that does not (it follows no redirects).
 */
class RedisClusterTest {
  @Test
  void worksOnThePrimaryOfItsSlotAndRefusesAnotherNode() throws Exception {
    try (RedisServer a = RedisServer.started("--cluster-enabled", "yes", "--appendonly", "no");
        RedisServer b = RedisServer.started("--cluster-enabled", "yes", "--appendonly", "no")) {
      RedisClient client = RedisClient.create();
      try (StatefulRedisConnection<String, String> ca = client.connect(uri(a));
          StatefulRedisConnection<String, String> cb = client.connect(uri(b))) {
        ca.sync().clusterAddSlots(java.util.stream.IntStream.range(0, 8192).toArray());
        cb.sync().clusterAddSlots(java.util.stream.IntStream.range(8192, 16384).toArray());
        ca.sync().clusterMeet("127.0.0.1", b.port());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!(ok(ca.sync()) && ok(cb.sync()))) {
          assertThat(System.nanoTime()).as("the cluster came up").isLessThan(deadline);
          Thread.sleep(50);
        }
        String prefix = "c" + ProcessHandle.current().pid();
        long slot = ca.sync().clusterKeyslot("{" + prefix + "}:queues");
        RedisServer owner = slot <= 8191 ? a : b;
        RedisServer other = owner == a ? b : a;

        try (RedisStore store = RedisStore.of(url(owner, prefix))) {
          List<NewTask> tasks = RoundTrip.insertClaimComplete(store, "{}", true);
          assertThat(store.get(tasks.getFirst().id()).orElseThrow().state()).isEqualTo(TaskState.SUCCEEDED);
          assertThat(store.queues().getFirst().count(TaskState.SUCCEEDED)).isEqualTo(5);
          store.deleteInstallation();
        }
        assertThatThrownBy(() -> RedisStore.of(url(other, prefix)).close())
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("does not serve")
            .hasMessageContaining(":" + owner.port());
      } finally {
        client.shutdown();
      }
    }
  }

  private static io.lettuce.core.RedisURI uri(RedisServer s) {
    return io.lettuce.core.RedisURI.create("redis://127.0.0.1:" + s.port());
  }

  private static String url(RedisServer s, String prefix) {
    return "redis://127.0.0.1:" + s.port() + "/0?durability=none&prefix=" + prefix;
  }

  private static boolean ok(RedisCommands<String, String> node) {
    return node.clusterInfo().contains("cluster_state:ok");
  }
}
