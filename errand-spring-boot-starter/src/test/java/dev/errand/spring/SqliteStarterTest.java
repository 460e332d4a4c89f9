package dev.errand.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.util.ClassUtils;

/**
 * A Spring Boot application on an SQLite store named by {@code errand.store-url}: the common checks of
 * {@link StarterApplicationTest}, and tracing into the application's OpenTelemetry.
 */
class SqliteStarterTest extends StarterApplicationTest {
  private static final String JACKSON_3_MAPPER = "tools.jackson.databind.json.JsonMapper";

  @Override
  SpringApplicationBuilder application() throws Exception {
    String dir = Files.createTempDirectory("errand-spring-sqlite").toString();
    return new SpringApplicationBuilder(App.class).properties("errand.store-url=sqlite:" + dir);
  }

  @Test
  void withOpenTelemetryInTheApplicationARunContinuesTheEnqueuersTrace() {
    OpenTelemetry openTelemetry = app.getBean(OpenTelemetry.class);
    InMemorySpanExporter spans = app.getBean(InMemorySpanExporter.class);
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
    assertThat(app.getBeanNamesForType(ClassUtils.forName(JACKSON_3_MAPPER, null))).isNotEmpty();

    TaskId id = errand.enqueue(TaskSpec.of("double", new Number(8))).task().id();

    await().atMost(Duration.ofSeconds(20)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);
    assertThat(errand.get(id).payload().asString()).isEqualTo("{\"value\":8}");
    assertThat(errand.get(id).result().asString()).isEqualTo("{\"value\":16}");
  }

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
}
