package dev.errand.spring;

import dev.errand.core.Errand;
import dev.errand.micrometer.ErrandMetrics;
import dev.errand.opentelemetry.ErrandTracing;
import dev.errand.spring.internal.QueueGaugeRefresher;
import dev.errand.spring.internal.StorePing;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * What the starter adds when the application has the library for it: Errand's meters on the
 * application's {@code MeterRegistry} (with errand-micrometer), trace propagation on its
 * {@code OpenTelemetry} (with errand-opentelemetry), and an actuator health indicator when
 * {@code errand.health.enabled} is true.
 */
@Configuration(proxyBeanMethods = false)
public class ErrandObservabilityConfiguration {

  /** Task counters and timers through the Errand's listener, and queue gauges read from the store. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({MeterRegistry.class, ErrandMetrics.class})
  static class Metrics {
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    ErrandCustomizer errandMetricsListener(ObjectProvider<MeterRegistry> registries) {
      return builder -> {
        MeterRegistry registry = registries.getIfUnique();
        if (registry != null) {
          builder.listener(new ErrandMetrics(registry));
        }
      };
    }

    /** The queue gauges, bound once every bean exists (they read the store) and refreshed on a timer. */
    @Bean
    @ConditionalOnSingleCandidate(MeterRegistry.class)
    QueueGaugeRefresher errandQueueGauges(MeterRegistry registry, Errand errand) {
      return new QueueGaugeRefresher(errand, registry);
    }
  }

  /**
   * Spans for enqueues and runs on the application's OpenTelemetry, each run continuing the trace its
   * task was enqueued in; on unless {@code errand.tracing.enabled} is false.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({OpenTelemetry.class, ErrandTracing.class})
  @ConditionalOnSingleCandidate(OpenTelemetry.class)
  @ConditionalOnProperty(prefix = "errand.tracing", name = "enabled", matchIfMissing = true)
  static class Tracing {
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE + 1)
    ErrandCustomizer errandTracing(OpenTelemetry openTelemetry) {
      ErrandTracing tracing = ErrandTracing.create(openTelemetry);
      return tracing::install;
    }
  }

  /**
   * DOWN, with the store's error, while the store does not answer a ping. Off by default. Spring Boot 4
   * moved health contributors to {@code org.springframework.boot.health.contributor}; Boot 3 has them in
   * {@code org.springframework.boot.actuate.health}: one of the two nested configurations applies.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "errand.health", name = "enabled", havingValue = "true")
  static class HealthCheck {
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(org.springframework.boot.health.contributor.HealthIndicator.class)
    static class Boot4 {
      @Bean
      org.springframework.boot.health.contributor.HealthIndicator errandHealthIndicator(Errand errand) {
        return () -> {
          RuntimeException failure = StorePing.failure(errand);
          var health = failure == null ? org.springframework.boot.health.contributor.Health.up()
              : org.springframework.boot.health.contributor.Health.down(failure);
          return health.withDetail("store", errand.store().name()).build();
        };
      }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(org.springframework.boot.actuate.health.HealthIndicator.class)
    @ConditionalOnMissingClass("org.springframework.boot.health.contributor.HealthIndicator")
    static class Boot3 {
      @Bean
      org.springframework.boot.actuate.health.HealthIndicator errandHealthIndicator(Errand errand) {
        return () -> {
          RuntimeException failure = StorePing.failure(errand);
          var health = failure == null ? org.springframework.boot.actuate.health.Health.up()
              : org.springframework.boot.actuate.health.Health.down(failure);
          return health.withDetail("store", errand.store().name()).build();
        };
      }
    }
  }
}
