package dev.errand.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.AttemptError;
import dev.errand.core.Errand;
import dev.errand.core.Task;
import dev.errand.core.TaskContext;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.stereotype.Component;

/**
 * What a Spring Boot application gets from the starter on every store: handler beans run, a schedule
 * annotation fires, a handler's backoff holds, and Errand's meters land in the application's registry.
 * Each subclass starts one application for its class on its store, with {@link Handlers} among its beans;
 * the counters are the bean's own, so that applications left running by other classes do not count.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StarterApplicationTest {
  /** The wait a failed "flaky" task gets before its retry, well above the default base of 1 s. */
  static final Duration FLAKY_BASE = Duration.ofSeconds(2);

  ConfigurableApplicationContext app;
  Errand errand;
  Handlers handlers;

  /** The application, with its store's properties, to which the common ones are added. */
  abstract SpringApplicationBuilder application() throws Exception;

  /** Cleans up the store once the application has stopped. */
  void afterStop() throws Exception {}

  @BeforeAll
  void start() throws Exception {
    app = application().properties(Map.of(
        "errand.poll-interval", "200ms",
        "errand.queues.default", "4",
        "spring.main.banner-mode", "off")).run();
    errand = app.getBean(Errand.class);
    handlers = app.getBean(Handlers.class);
  }

  @AfterAll
  void stop() throws Exception {
    if (app != null) {
      app.close();
    }
    afterStop();
  }

  @Test
  void aHandlerBeanRunsAndItsResultIsKept() {
    TaskId id = errand.enqueue(TaskSpec.of("double", new Number(21))).task().id();

    await().atMost(Duration.ofSeconds(20)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);
    assertThat(errand.get(id).result().asString()).isEqualTo("{\"value\":42}");
    assertThat(handlers.seen).containsKey(id);
  }

  @Test
  void aScheduleAnnotationFiresInTheQueueOfItsHandler() {
    await().atMost(Duration.ofSeconds(20)).until(() -> handlers.ticks.get() > 0);
    assertThat(errand.schedules()).anySatisfy(s -> {
      assertThat(s.name()).isEqualTo("tick");
      assertThat(s.schedule().zone().getId()).isEqualTo("Europe/Paris");
      assertThat(s.schedule().task().queue()).isEqualTo("clock");
    });
  }

  @Test
  void aHandlersBackoffIsItsTasksAndNoRetryComesSoonerThanItsBase() {
    Task task = errand.enqueue(TaskSpec.of("flaky", new Number(1))).task();
    assertThat(task.retry().base()).isEqualTo(FLAKY_BASE);
    assertThat(task.retry().cap()).isEqualTo(Duration.ofSeconds(3));

    await().atMost(Duration.ofSeconds(30)).until(() -> errand.get(task.id()).state() == TaskState.SUCCEEDED);
    assertThat(handlers.flakyAttempts).hasValue(2);
    // Both instants are the store's clock: when it recorded the failure and when it leased the retry. The
    // handler's own System.nanoTime is a different clock from the database's now(), and a wall clock
    // stepped back by a few milliseconds once made a correct retry look early by that much.
    List<AttemptError> errors = errand.errors(task.id());
    assertThat(errors).hasSize(1);
    Task done = errand.get(task.id());
    assertThat(done.attempt()).isEqualTo(2);
    assertThat(Duration.between(errors.get(0).at(), done.startedAt())).isGreaterThanOrEqualTo(FLAKY_BASE);
  }

  @Test
  void theApplicationsRegistryGetsErrandsMeters() {
    MeterRegistry registry = app.getBean(MeterRegistry.class);
    TaskId id = errand.enqueue(TaskSpec.of("double", new Number(1))).task().id();
    await().atMost(Duration.ofSeconds(20)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(registry.find("errand.tasks.succeeded").tag("type", "double").counter().count()).isPositive());
    assertThat(registry.find("errand.task.run").tag("outcome", "succeeded").timers()).isNotEmpty();
    // Gauges of a queue the store did not have at the start appear at the next refresh.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(registry.find("errand.queue.depth").tag("queue", "default").gauges()).isNotEmpty());
  }

  record Number(int value) {}

  @Component
  static class Handlers {
    final Map<TaskId, Boolean> seen = new ConcurrentHashMap<>();
    final AtomicInteger ticks = new AtomicInteger();
    /** How many attempts of the "flaky" task ran. */
    final AtomicInteger flakyAttempts = new AtomicInteger();

    @ErrandHandler("double")
    Number twice(Number n, TaskContext task) {
      seen.put(task.id(), true);
      return new Number(n.value() * 2);
    }

    @ErrandHandler(value = "tick", queue = "clock")
    @ErrandSchedule(cron = "* * * * * ?", zone = "Europe/Paris")
    void tick() {
      ticks.incrementAndGet();
    }

    @ErrandHandler(value = "flaky", retry = @ErrandHandler.Retry(base = "2s", cap = "3s"))
    void flaky(TaskContext task) {
      flakyAttempts.incrementAndGet();
      if (task.attempt() == 1) {
        throw new IllegalStateException("the first attempt fails");
      }
    }
  }
}
