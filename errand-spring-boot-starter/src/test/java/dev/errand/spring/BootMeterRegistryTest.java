package dev.errand.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Errand;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Component;

/**
 * An application with no MeterRegistry of its own gets the one Spring Boot's metrics auto-configuration
 * makes, and Errand's meters land in it, queue gauges included: those are bound only if Errand's
 * auto-configuration comes after Boot's, whose class name differs between Boot 3 and Boot 4.
 */
class BootMeterRegistryTest {
  @Test
  void theRegistrySpringBootMakesGetsErrandsMetersAndQueueGauges() throws Exception {
    String dir = Files.createTempDirectory("errand-spring-registry").toString();
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(App.class).properties(Map.of(
        "errand.store-url", "sqlite:" + dir,
        "errand.poll-interval", "100ms",
        "spring.main.banner-mode", "off")).run()) {
      Errand errand = app.getBean(Errand.class);
      MeterRegistry registry = app.getBean(MeterRegistry.class);
      assertThat(app.getBeanNamesForType(MeterRegistry.class)).hasSize(1);

      TaskId id = errand.enqueue(TaskSpec.of("noop", Map.of())).task().id();

      await().atMost(Duration.ofSeconds(20)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(registry.find("errand.tasks.succeeded").tag("type", "noop").counter().count()).isPositive());
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
          assertThat(registry.find("errand.queue.depth").tag("queue", "default").gauges()).isNotEmpty());
    }
  }

  @StoreUrlApplication
  @Import(Handlers.class)
  static class App {}

  @Component
  static class Handlers {
    @ErrandHandler("noop")
    void noop() {}
  }
}
