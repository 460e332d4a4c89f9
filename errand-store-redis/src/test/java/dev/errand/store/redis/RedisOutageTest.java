package dev.errand.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.StoreUnreachableException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A Redis away for 20 s (SIGKILLed, then started again on its directory): every call meanwhile fails at
 * once as unreachable, and the same store answers within a few seconds of the server's return. With
 * Lettuce's default backoff (doubling up to 30 s between attempts) it took 24 s after a 40 s outage; the
 * store caps the pause at 1 s.
 */
class RedisOutageTest {
  private static final Duration OUTAGE = Duration.ofSeconds(20);

  @Test
  void aServerBackAfterALongOutageIsUsedAgainAtOnce() throws Exception {
    try (RedisServer server = RedisServer.started("--appendonly", "yes", "--appendfsync", "always");
        RedisStore store = RedisStore.of(server.url(""))) {
      store.ping();
      server.kill();
      long down = System.nanoTime();
      long slowest = 0;
      int refused = 0;
      while (System.nanoTime() - down < OUTAGE.toNanos()) {
        long start = System.nanoTime();
        try {
          store.ping();
          throw new AssertionError("a ping answered while the server was down");
        } catch (StoreUnreachableException e) {
          slowest = Math.max(slowest, System.nanoTime() - start);
          refused++;
        }
        Thread.sleep(200);
      }
      assertThat(Duration.ofNanos(slowest)).as("each call while down fails at once").isLessThan(Duration.ofSeconds(2));

      server.start();
      long back = System.nanoTime();
      while (true) {
        try {
          store.ping();
          break;
        } catch (StoreUnreachableException e) {
          assertThat(Duration.ofNanos(System.nanoTime() - back)).as("the store answers again soon after the server")
              .isLessThan(Duration.ofSeconds(5));
          Thread.sleep(50);
        }
      }
      System.out.printf("outage: %d calls refused (slowest %d ms), store answered %d ms after the server was back%n",
          refused, slowest / 1_000_000, (System.nanoTime() - back) / 1_000_000);
      store.deleteInstallation();
    }
  }
}
