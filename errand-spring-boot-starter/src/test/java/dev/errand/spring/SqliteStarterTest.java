package dev.errand.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.errand.core.Errand;
import dev.errand.core.TaskContext;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Component;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.ClassUtils;

/** A Spring Boot application on an SQLite store named by {@code errand.store-url}: handlers, a schedule, metrics, tracing. */
@SpringBootTest(classes = SqliteStarterTest.App.class, properties = {
    "errand.poll-interval=200ms", "errand.queues.default=4", "spring.main.banner-mode=off"})
class SqliteStarterTest {
  @Autowired
  Errand errand;
  @Autowired
  MeterRegistry registry;
  @Autowired
  OpenTelemetry openTelemetry;
  @Autowired
  InMemorySpanExporter spans;
  @Autowired
  ApplicationContext context;

  private static final String JACKSON_3_MAPPER = "tools.jackson.databind.json.JsonMapper";

  @DynamicPropertySource
  static void store(DynamicPropertyRegistry properties) throws IOException {
    String dir = Files.createTempDirectory("errand-spring-sqlite").toString();
    properties.add("errand.store-url", () -> "sqlite:" + dir);
  }

  @Test
  void aHandlerBeanRunsAndItsResultIsKept() {
    TaskId id = errand.enqueue(TaskSpec.of("double", new Number(21))).task().id();

    await().atMost(Duration.ofSeconds(20)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);
    assertThat(errand.get(id).result().asString()).isEqualTo("{\"value\":42}");
    assertThat(Handlers.seen).containsKey(id);
  }

  @Test
  void aScheduleAnnotationFiresInTheQueueOfItsHandler() {
    await().atMost(Duration.ofSeconds(20)).until(() -> Handlers.ticks.get() > 0);
    assertThat(errand.schedules()).anySatisfy(s -> {
      assertThat(s.name()).isEqualTo("tick");
      assertThat(s.schedule().zone().getId()).isEqualTo("Europe/Paris");
      assertThat(s.schedule().task().queue()).isEqualTo("clock");
    });
  }

  @Test
  void theApplicationsRegistryGetsErrandsMeters() {
    TaskId id = errand.enqueue(TaskSpec.of("double", new Number(1))).task().id();
    await().atMost(Duration.ofSeconds(20)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(registry.find("errand.tasks.succeeded").tag("type", "double").counter().count()).isPositive());
    assertThat(registry.find("errand.task.run").tag("outcome", "succeeded").timers()).isNotEmpty();
    // Gauges of a queue the store did not have at the start appear at the next refresh.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(registry.find("errand.queue.depth").tag("queue", "default").gauges()).isNotEmpty());
  }

  @Test
  void withOpenTelemetryInTheApplicationARunContinuesTheEnqueuersTrace() {
    Span request = openTelemetry.getTracer("test").spanBuilder("request").startSpan();
    TaskId id;
    try (Scope ignored = request.makeCurrent()) {
      id = errand.enqueue(TaskSpec.of("double", new Number(5))).task().id();
    } finally {
      request.end();
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(spans.getFinishedSpanItems())
        .filteredOn(s -> s.getTraceId().equals(request.getSpanContext().getTraceId()))
        .extracting(SpanData::getName).contains("request", "create default", "process default"));
  }

  @Test
  void errandsPayloadsKeepTheirJsonBesideJacksonThreeInTheApplication() throws Exception {
    // Spring Boot 4 makes the application's JSON mapper with Jackson 3 (tools.jackson); Errand encodes
    // payloads and results with its own Jackson 2 mapper. Both are on this classpath and do not meet.
    assumeTrue(ClassUtils.isPresent(JACKSON_3_MAPPER, null), "Jackson 3 is not on this classpath (Spring Boot 3)");
    assertThat(context.getBeanNamesForType(ClassUtils.forName(JACKSON_3_MAPPER, null))).isNotEmpty();

    TaskId id = errand.enqueue(TaskSpec.of("double", new Number(8))).task().id();

    await().atMost(Duration.ofSeconds(20)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);
    assertThat(errand.get(id).payload().asString()).isEqualTo("{\"value\":8}");
    assertThat(errand.get(id).result().asString()).isEqualTo("{\"value\":16}");
  }

  record Number(int value) {}

  @StoreUrlApplication
  @Import(Handlers.class)
  static class App {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }

    @Bean
    InMemorySpanExporter spans() {
      return InMemorySpanExporter.create();
    }

    @Bean(destroyMethod = "close")
    OpenTelemetrySdk openTelemetry(InMemorySpanExporter spans) {
      return OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
          .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
    }
  }

  @Component
  static class Handlers {
    static final Map<TaskId, Boolean> seen = new ConcurrentHashMap<>();
    static final AtomicInteger ticks = new AtomicInteger();

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
  }
}
