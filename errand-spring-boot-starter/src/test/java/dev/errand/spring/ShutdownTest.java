package dev.errand.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Errand;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.TaskStoreProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Component;

/**
 * Closing the application stops Errand in its lifecycle phase: claiming stops, a task that finishes
 * within the grace succeeds, and one that does not is released, its attempt not burned, before the
 * shutdown phase's timeout, so another node can run it at once.
 */
class ShutdownTest {
  @Test
  void shutdownFinishesShortTasksAndReleasesTheRestWithinThePhaseTimeout() throws Exception {
    Path dir = Files.createTempDirectory("errand-spring-shutdown");
    ConfigurableApplicationContext app = new SpringApplicationBuilder(App.class).properties(Map.of(
        "errand.store-url", "sqlite:" + dir,
        "errand.poll-interval", "100ms",
        "spring.lifecycle.timeout-per-shutdown-phase", "4s",
        "spring.main.banner-mode", "off")).run();
    Errand errand = app.getBean(Errand.class);
    TaskId stuck = errand.enqueue(TaskSpec.of("stuck", Map.of())).task().id();
    TaskId quick = errand.enqueue(TaskSpec.of("quick", Map.of())).task().id();
    await().atMost(Duration.ofSeconds(20)).until(() -> errand.get(stuck).state() == TaskState.RUNNING
        && Handlers.quickStarted.getCount() == 0);

    long start = System.nanoTime();
    app.close();
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    // The grace is three quarters of the 4 s phase: the stuck task is released after 3 s, well inside 4 s.
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(2900)).isLessThan(Duration.ofSeconds(4));
    try (TaskStore store = TaskStoreProvider.openUrl("sqlite:" + dir)) {
      assertThat(store.get(quick).orElseThrow().state()).isEqualTo(TaskState.SUCCEEDED);
      var released = store.get(stuck).orElseThrow();
      assertThat(released.state()).isEqualTo(TaskState.READY);
      assertThat(released.lease()).isNull();
      assertThat(store.errors(stuck)).isEmpty();
    }
  }

  @StoreUrlApplication
  @Import(Handlers.class)
  static class App {}

  @Component
  static class Handlers {
    static final CountDownLatch quickStarted = new CountDownLatch(1);

    @ErrandHandler("stuck")
    void stuck() throws InterruptedException {
      new CountDownLatch(1).await(); // until interrupted at the end of the grace
    }

    @ErrandHandler("quick")
    void quick() throws InterruptedException {
      quickStarted.countDown();
      Thread.sleep(1000);
    }
  }
}
