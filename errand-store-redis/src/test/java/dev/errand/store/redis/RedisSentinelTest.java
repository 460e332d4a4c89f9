package dev.errand.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Json;
import dev.errand.core.RetryPolicy;
import dev.errand.core.StoreUnreachableException;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.WaitRequest;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A primary, its replica and one sentinel, each a redis-server of the test's own (the primary and the
 * replica with {@code appendfsync always}). The store opens through the sentinel; the primary is
 * SIGKILLed. While the sentinel fails over, every call fails at once with
 * {@link StoreUnreachableException} and none reports a success it did not have; once the replica is
 * promoted, the same store instance inserts, claims and completes again, and what the replica had
 * received before the kill (the test makes sure with {@code WAIT}, which the store itself does not do)
 * is there, leases and all.
 */
class RedisSentinelTest {
  private static final String PRIMARY = "errandprimary";
  /** From the kill until the store works again: the sentinel's 1 s to call the primary down, its failover, the reconnect. */
  private static final Duration RECOVERY = Duration.ofSeconds(30);
  /** A call while the primary is away must say so well inside the 10 s command timeout. */
  private static final Duration QUICK = Duration.ofSeconds(2);

  @TempDir
  Path dir;

  @Test
  void followsAFailoverWithoutARestart() throws Exception {
    String[] durable = {"--appendonly", "yes", "--appendfsync", "always"};
    try (RedisServer primary = RedisServer.started(durable);
        RedisServer replica = RedisServer.started(concat(durable, "--replicaof", "127.0.0.1",
            Integer.toString(primary.port())))) {
      Path conf = dir.resolve("sentinel.conf"); // a sentinel rewrites its own configuration file
      Files.writeString(conf, "sentinel monitor " + PRIMARY + " 127.0.0.1 " + primary.port() + " 1\n"
          + "sentinel down-after-milliseconds " + PRIMARY + " 1000\n"
          + "sentinel failover-timeout " + PRIMARY + " 5000\n");
      RedisClient client = RedisClient.create();
      try (RedisServer sentinel = RedisServer.started(conf.toString(), "--sentinel");
          StatefulRedisSentinelConnection<String, String> watch =
              client.connectSentinel(RedisURI.create("redis://127.0.0.1:" + sentinel.port()))) {
        // The sentinel learns of the replica from the primary's INFO (every 10 s at first), so this may take a while.
        await("the sentinel knows the replica", Duration.ofSeconds(20), () -> watch.sync().replicas(PRIMARY).stream()
            .anyMatch(r -> r.getOrDefault("flags", "").equals("slave")
                && r.getOrDefault("master-link-status", "").equals("ok")));

        String url = "redis-sentinel://127.0.0.1:" + sentinel.port() + "/0?prefix=sentinel"
            + ProcessHandle.current().pid() + "#" + PRIMARY;
        try (RedisStore store = RedisStore.of(url)) {
          List<NewTask> before = tasks(20);
          store.insertMany(new InsertRequest(before));
          List<Task> claimed = store.claim(new ClaimRequest("q", 20, Duration.ofMinutes(5), "w")).tasks();
          assertThat(claimed).hasSize(20);
          List<Task> completedBefore = claimed.subList(0, 10);
          List<Task> runningBefore = claimed.subList(10, 20);
          assertThat(store.completeMany(new CompleteRequest(succeeded(completedBefore))).stale()).isEmpty();
          assertThat(wokenByInsert(store)).as("an insert wakes a waiter (the subscription is up)").isTrue();
          // Replication is asynchronous and the store does not WAIT: the test waits here so that the
          // replica has all of the above, which is all a failover can promise to keep.
          try (StatefulRedisConnection<String, String> direct =
              client.connect(RedisURI.create("redis://127.0.0.1:" + primary.port()))) {
            direct.sync().set("sentinel-test-marker", "1");
            assertThat(direct.sync().waitForReplication(1, 5_000)).as("the replica acknowledged").isEqualTo(1L);
          }

          primary.kill();
          long killed = System.nanoTime();
          List<NewTask> acknowledged = new ArrayList<>();
          List<TaskId> attempted = new ArrayList<>();
          int refused = 0;
          Duration slowestRefusal = Duration.ZERO;
          while (true) {
            assertThat(Duration.ofNanos(System.nanoTime() - killed)).as("the store works again after the failover")
                .isLessThan(RECOVERY);
            NewTask t = tasks(1).getFirst();
            attempted.add(t.id());
            long start = System.nanoTime();
            try {
              store.insertMany(new InsertRequest(List.of(t)));
              acknowledged.add(t);
              break;
            } catch (StoreUnreachableException e) {
              Duration took = Duration.ofNanos(System.nanoTime() - start);
              slowestRefusal = took.compareTo(slowestRefusal) > 0 ? took : slowestRefusal;
              refused++;
            }
            Thread.sleep(100);
          }
          Duration recovered = Duration.ofNanos(System.nanoTime() - killed);
          System.out.printf("failover: %d calls refused (slowest %d ms), store worked again %d ms after the kill%n",
              refused, slowestRefusal.toMillis(), recovered.toMillis());
          assertThat(refused).as("calls failed while the sentinel failed over").isPositive();
          assertThat(slowestRefusal).as("each failed at once").isLessThan(QUICK);
          InetSocketAddress now = (InetSocketAddress) watch.sync().getMasterAddrByName(PRIMARY);
          assertThat(now.getPort()).as("the sentinel promoted the replica").isEqualTo(replica.port());

          // The same store instance: inserts, claims and completes on the new primary.
          List<NewTask> after = tasks(5);
          store.insertMany(new InsertRequest(after));
          acknowledged.addAll(after);
          List<Task> claimedAfter = store.claim(new ClaimRequest("q", 100, Duration.ofMinutes(5), "w")).tasks();
          // Every acknowledged insert is there; a refused one may be too (Lettuce resends what was in flight
          // when the connection broke), but nothing that was never sent.
          after.forEach(t -> attempted.add(t.id()));
          assertThat(claimedAfter).extracting(Task::id)
              .containsAll(acknowledged.stream().map(NewTask::id).toList())
              .isSubsetOf(attempted);
          assertThat(store.completeMany(new CompleteRequest(succeeded(claimedAfter))).stale()).isEmpty();

          // What the replica had before the kill is there: finished tasks finished, leases still held.
          for (Task t : completedBefore) {
            assertThat(store.get(t.id()).orElseThrow().state()).isEqualTo(TaskState.SUCCEEDED);
          }
          for (Task t : runningBefore) {
            Task read = store.get(t.id()).orElseThrow();
            assertThat(read.state()).isEqualTo(TaskState.RUNNING);
            assertThat(read.lease().token()).isEqualTo(t.lease().token());
          }
          // Their lease tokens still fence: the holders complete them on the new primary.
          assertThat(store.completeMany(new CompleteRequest(succeeded(runningBefore))).stale()).isEmpty();
          assertThat(store.queues().getFirst().count(TaskState.SUCCEEDED)).isEqualTo(20 + claimedAfter.size());

          // The wake-up subscription follows the failover too (Lettuce resubscribes through the sentinel),
          // perhaps a little later than the command connection: until then waiters poll.
          await("an insert wakes a waiter on the new primary", Duration.ofSeconds(20), () -> wokenByInsert(store));
          System.out.printf("failover: a waiter was woken by an insert %d ms after the kill%n",
              Duration.ofNanos(System.nanoTime() - killed).toMillis());
          store.deleteInstallation();
        }
      } finally {
        client.shutdown();
      }
    }
  }

  /**
   * True if a waiter on the empty queue {@code w} slept until an insert into it a second later woke it:
   * with the subscription down it would have come back after the 500 ms poll instead.
   */
  private static boolean wokenByInsert(RedisStore store) {
    long[] took = {-1};
    Thread waiter = Thread.ofPlatform().start(() -> {
      long start = System.nanoTime();
      try {
        store.awaitWork(new WaitRequest(Set.of("w"), Duration.ofSeconds(5)));
        took[0] = System.nanoTime() - start;
      } catch (InterruptedException | RuntimeException e) {
        took[0] = -1;
      }
    });
    try {
      Thread.sleep(1_000);
      store.insertMany(new InsertRequest(tasks("w", 1)));
      waiter.join();
      // Claim it, so the next try finds the queue empty again.
      store.claim(new ClaimRequest("w", 10, Duration.ofMinutes(5), "w"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return took[0] >= Duration.ofMillis(800).toNanos() && took[0] < Duration.ofSeconds(4).toNanos();
  }

  private static List<NewTask> tasks(int n) {
    return tasks("q", n);
  }

  private static List<NewTask> tasks(String queue, int n) {
    List<NewTask> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new NewTask(TaskId.generate(), queue, "job", Json.ofTrusted("{}".getBytes()), 0, null, Duration.ZERO,
          RetryPolicy.DEFAULT, Duration.ofMinutes(1), null));
    }
    return out;
  }

  private static List<Completion> succeeded(List<Task> tasks) {
    List<Completion> out = new ArrayList<>();
    for (Task t : tasks) {
      out.add(new Completion(t.id(), t.lease().token(), new Completion.Succeeded(null)));
    }
    return out;
  }

  private static void await(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
