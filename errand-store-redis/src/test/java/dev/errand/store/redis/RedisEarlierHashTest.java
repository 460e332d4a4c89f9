package dev.errand.store.redis;

import static dev.errand.core.testkit.NewTasks.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.RetryPolicy;
import dev.errand.core.Task;
import dev.errand.core.TaskState;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.InsertRequest;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What releases before wrote: a task hash with its id, its kind and headers always and the retry policy
 * as three fields reads and claims as the same task, and the catalog index of RUNNING tasks, which
 * nothing reads now, goes when a store opens. Stores upgraded with tasks in them keep working.
 */
class RedisEarlierHashTest {
  private String url;
  private RedisStore store;
  private RedisClient client;
  private StatefulRedisConnection<String, String> raw;

  @BeforeEach
  void open() {
    url = RedisServer.shared().url("durability=none");
    store = RedisStore.of(url);
    client = RedisClient.create("redis://127.0.0.1:" + RedisServer.shared().port() + "/0");
    raw = client.connect();
  }

  @AfterEach
  void close() {
    raw.close();
    client.shutdown();
    store.close();
  }

  @Test
  void aHashWrittenBeforeReadsAndClaimsAsTheSameTask() {
    Task inserted = store.insertMany(new InsertRequest(List.of(task("old").type("mail")
        .retry(new RetryPolicy(7, Duration.ofSeconds(3), Duration.ofMinutes(5))).build()))).outcomes().getFirst().task();
    String prefix = url.substring(url.indexOf("prefix=") + "prefix=".length(), url.indexOf('&'));
    String key = "{" + prefix + "}:t:" + inserted.id().value();
    Map<String, String> now = raw.sync().hgetall(key);
    assertThat(now).as("the hash as written now").containsKey("rp").doesNotContainKeys("id", "max", "rb", "rc", "kind");
    String[] policy = now.get("rp").split(" ");
    raw.sync().hdel(key, "rp");
    raw.sync().hset(key, Map.of("id", inserted.id().value(), "max", policy[0], "rb", policy[1], "rc", policy[2],
        "kind", "handler", "hdr", ""));

    assertThat(store.get(inserted.id())).contains(inserted);
    Task claimed = store.claim(new ClaimRequest("old", 10, Duration.ofMinutes(1), "w")).tasks().getFirst();
    assertThat(claimed.id()).isEqualTo(inserted.id());
    assertThat(claimed.state()).isEqualTo(TaskState.RUNNING);
    assertThat(claimed.retry()).isEqualTo(inserted.retry());
    assertThat(claimed.retry().maxAttempts()).isEqualTo(7);
    assertThat(claimed.kind()).isEqualTo("handler");
    assertThat(claimed.type()).isEqualTo("mail");
    assertThat(store.get(inserted.id())).contains(claimed);
  }

  @Test
  void theIndexOfRunningTasksThatNothingReadsGoesWhenAStoreOpens() {
    store.insertMany(new InsertRequest(List.of(task("old").build())));
    Task running = store.claim(new ClaimRequest("old", 1, Duration.ofMinutes(1), "w")).tasks().getFirst();
    String prefix = url.substring(url.indexOf("prefix=") + "prefix=".length(), url.indexOf('&'));
    String index = "{" + prefix + "}:qs:old:RUNNING";
    assertThat(raw.sync().exists(index)).as("written by this release").isZero();
    raw.sync().zadd(index, 0, running.id().value());

    RedisStore.of(url).close();

    assertThat(raw.sync().exists(index)).as("after a store opened").isZero();
    assertThat(store.list(new dev.errand.core.spi.TaskQuery("old", TaskState.RUNNING, null, 10, null)).tasks())
        .singleElement().satisfies(t -> assertThat(t.id()).isEqualTo(running.id()));
  }
}
