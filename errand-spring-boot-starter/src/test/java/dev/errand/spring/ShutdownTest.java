package dev.errand.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Errand;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.spi.TaskStore;
import dev.errand.spring.internal.ErrandLifecycle;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.stereotype.Component;

/**
 * Closing the application stops Errand in its lifecycle phase: claiming stops (a task enqueued while the
 * shutdown waits for a running one stays READY), a task that finishes within the grace succeeds, and one
 * that does not is released, its attempt not burned, before the shutdown phase's timeout, so another node
 * can run it at once. Each subclass runs this on its store; its application imports {@link Handlers}.
 */
abstract class ShutdownTest {
  /** The application on this store, to which the common properties are added. */
  abstract SpringApplicationBuilder application() throws Exception;

  /** The same store, opened anew once the application has closed. */
  abstract TaskStore openStore() throws Exception;

  /** Cleans up the store once the test is done. */
  void afterTest() throws Exception {}

  @Test
  void shutdownStopsClaimingFinishesShortTasksAndReleasesTheRestWithinThePhaseTimeout() throws Exception {
    try {
      check();
    } finally {
      afterTest();
    }
  }

  private void check() throws Exception {
    ConfigurableApplicationContext app = application().properties(Map.of(
        "errand.poll-interval", "100ms",
        "spring.lifecycle.timeout-per-shutdown-phase", "4s",
        "spring.main.banner-mode", "off")).run();
    Errand errand = app.getBean(Errand.class);
    Handlers handlers = app.getBean(Handlers.class);
    ErrandLifecycle lifecycle = app.getBean(ErrandLifecycle.class);
    TaskId stuck = errand.enqueue(TaskSpec.of("stuck", Map.of())).task().id();
    TaskId quick = errand.enqueue(TaskSpec.of("quick", Map.of())).task().id();
    await().atMost(Duration.ofSeconds(20)).until(() -> errand.get(stuck).state() == TaskState.RUNNING
        && handlers.quickStarted.getCount() == 0);

    long[] took = new long[1];
    Thread closing = Thread.ofPlatform().name("closing-the-application").start(() -> {
      long start = System.nanoTime();
      app.close();
      took[0] = System.nanoTime() - start;
    });
    // Errand's stop has begun; its claim loops stop at once, well before the grace that the stuck task
    // holds the shutdown for. Many poll intervals later, a new task must still find no worker.
    await().atMost(Duration.ofSeconds(2)).until(() -> !lifecycle.isRunning());
    Thread.sleep(300);
    TaskId late = errand.enqueue(TaskSpec.of("late", Map.of())).task().id();
    Thread.sleep(500);
    assertThat(closing.isAlive()).as("the shutdown still waits for the stuck task").isTrue();
    closing.join(Duration.ofSeconds(10));
    assertThat(closing.isAlive()).isFalse();

    // The grace is three quarters of the 4 s phase: the stuck task is released after 3 s, well inside 4 s.
    assertThat(Duration.ofNanos(took[0])).isGreaterThanOrEqualTo(Duration.ofMillis(2900)).isLessThan(Duration.ofSeconds(4));
    assertThat(handlers.lateRuns).hasValue(0);
    try (TaskStore store = openStore()) {
      assertThat(store.get(quick).orElseThrow().state()).isEqualTo(TaskState.SUCCEEDED);
      var released = store.get(stuck).orElseThrow();
      assertThat(released.state()).isEqualTo(TaskState.READY);
      assertThat(released.lease()).isNull();
      assertThat(store.errors(stuck)).isEmpty();
      var waiting = store.get(late).orElseThrow();
      assertThat(waiting.state()).isEqualTo(TaskState.READY);
      assertThat(waiting.attempt()).isZero();
    }
  }

  @Component
  static class Handlers {
    final CountDownLatch quickStarted = new CountDownLatch(1);
    final AtomicInteger lateRuns = new AtomicInteger();

    @ErrandHandler("stuck")
    void stuck() throws InterruptedException {
      new CountDownLatch(1).await(); // until interrupted at the end of the grace
    }

    @ErrandHandler("quick")
    void quick() throws InterruptedException {
      quickStarted.countDown();
      Thread.sleep(1000);
    }

    @ErrandHandler("late")
    void late() {
      lateRuns.incrementAndGet();
    }
  }
}
