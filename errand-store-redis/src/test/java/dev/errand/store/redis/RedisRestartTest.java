package dev.errand.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Enqueued;
import dev.errand.core.Errand;
import dev.errand.core.StoreUnavailableException;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A Redis server killed (SIGKILL) and started again on its directory while producers enqueue and an
 * Errand's workers run: producers see errors, never a success that was not written; the same Errand's
 * workers go on by themselves once the server is back; every enqueue that returned is there and runs
 * (appendfsync always).
 */
class RedisRestartTest {
  @Test
  void producersSeeErrorsAndWorkersRecoverByThemselvesAcrossARestart() throws Exception {
    try (RedisServer server = RedisServer.started("--appendonly", "yes", "--appendfsync", "always")) {
      String url = server.url("");
      Set<TaskId> ran = ConcurrentHashMap.newKeySet();
      ConcurrentLinkedQueue<TaskId> acknowledged = new ConcurrentLinkedQueue<>();
      AtomicInteger errors = new AtomicInteger();
      AtomicBoolean producing = new AtomicBoolean(true);
      try (RedisStore store = RedisStore.builder().url(url).timeout(Duration.ofSeconds(2)).build()) {
        Errand errand = Errand.builder().store(store).queue("default", 4).leaseDuration(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(100)).shutdownGrace(Duration.ofSeconds(2)).build();
        errand.handle("count", Map.class, (task, payload) -> {
          ran.add(task.id());
          return null;
        });
        errand.start();
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
          producers.add(Thread.ofPlatform().start(() -> {
            while (producing.get()) {
              try {
                Enqueued e = errand.enqueue(TaskSpec.of("count", Map.of("n", acknowledged.size())));
                acknowledged.add(e.id());
              } catch (StoreUnavailableException e) {
                errors.incrementAndGet();
                sleep(5);
              }
            }
          }));
        }
        try {
          await().atMost(Duration.ofSeconds(30)).until(() -> ran.size() >= 100);
          server.kill();
          await().atMost(Duration.ofSeconds(10)).until(() -> errors.get() > 0);
          int ackedWhileDown = acknowledged.size();
          sleep(300);
          assertThat(acknowledged).as("no enqueue returns while the server is down").hasSize(ackedWhileDown);
          server.start();
          await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= ackedWhileDown + 100);
        } finally {
          producing.set(false);
          for (Thread t : producers) {
            t.join();
          }
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
            .until(() -> ran.containsAll(acknowledged));
        for (TaskId id : acknowledged) {
          assertThat(errand.get(id).state()).as("task %s", id).isEqualTo(TaskState.SUCCEEDED);
        }
        errand.stop();
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
