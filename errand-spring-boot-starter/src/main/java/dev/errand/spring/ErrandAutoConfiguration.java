package dev.errand.spring;

import dev.errand.core.Errand;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.TaskStoreProvider;
import dev.errand.spring.internal.ErrandBuilders;
import dev.errand.spring.internal.ErrandLifecycle;
import dev.errand.spring.internal.HandlerMethod;
import dev.errand.spring.internal.HandlerMethods;
import dev.errand.spring.internal.MethodTaskHandler;
import dev.errand.spring.internal.PostgresDataSourceStore;
import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/**
 * Errand in a Spring Boot application, from {@code errand.*} (see {@link ErrandProperties}): one
 * {@link Errand} bean on the store of {@code errand.store-url}, else on the application's PostgreSQL
 * DataSource, whose enqueues then join the Spring transaction under way; the {@link ErrandHandler} and
 * {@link ErrandSchedule} methods of the application's beans; workers started and stopped with the
 * application's lifecycle. Metrics, tracing and health come from {@link ErrandObservabilityConfiguration}
 * when their libraries are present.
 */
// Spring Boot 3's names, then Spring Boot 4's, where these auto-configurations moved to modules of their own.
@AutoConfiguration(afterName = {
    "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
    "org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.opentelemetry.OpenTelemetryAutoConfiguration",
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
    "org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration"})
@ConditionalOnProperty(prefix = "errand", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(ErrandProperties.class)
@Import(ErrandObservabilityConfiguration.class)
public class ErrandAutoConfiguration {
  private static final Duration DEFAULT_SHUTDOWN_PHASE = Duration.ofSeconds(30);

  /** The handler methods found on the application's beans; read once, before the Errand is built. */
  @Bean
  HandlerMethods errandHandlerMethods(ConfigurableListableBeanFactory beans) {
    return HandlerMethods.scan(beans);
  }

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  Errand errand(ErrandProperties properties, HandlerMethods handlers, ObjectProvider<DataSource> dataSources,
      ObjectProvider<ErrandCustomizer> customizers, Environment environment) {
    DataSource storeDataSource = properties.getStoreUrl() == null ? applicationDataSource(dataSources) : null;
    for (HandlerMethod h : handlers.all()) {
      if (h.handler().transactional() && storeDataSource == null) {
        throw new IllegalStateException("@ErrandHandler on " + h.describe() + " is transactional, which needs"
            + " Errand's store in the application's DataSource; errand.store-url names another store");
      }
    }
    Errand.Builder builder = Errand.builder();
    ErrandBuilders.apply(properties, handlers.all(), builder);
    builder.shutdownGrace(ErrandBuilders.shutdownGrace(properties, environment.getProperty(
        "spring.lifecycle.timeout-per-shutdown-phase", Duration.class, DEFAULT_SHUTDOWN_PHASE)));
    customizers.orderedStream().forEach(c -> c.customize(builder));
    TaskStore store = storeDataSource == null ? TaskStoreProvider.openUrl(properties.getStoreUrl())
        : PostgresDataSourceStore.open(storeDataSource, properties.getPostgres());
    Errand errand;
    try {
      errand = builder.store(store).build();
      for (HandlerMethod h : handlers.all()) {
        if (h.schedule() != null) {
          errand.schedule(ErrandBuilders.schedule(h, properties.getScheduleZone()));
        }
      }
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    return errand;
  }

  /** Registers the handler beans' methods and starts the workers once every bean exists. */
  @Bean
  @ConditionalOnMissingBean
  ErrandLifecycle errandLifecycle(Errand errand, HandlerMethods handlers, ErrandProperties properties,
      ConfigurableListableBeanFactory beans, ObjectProvider<DataSource> dataSources) {
    return new ErrandLifecycle(errand, () -> {
      DataSource transactions = properties.getStoreUrl() == null ? applicationDataSource(dataSources) : null;
      for (HandlerMethod h : handlers.all()) {
        MethodTaskHandler handler = new MethodTaskHandler(h, beans.getBean(h.beanName()),
            h.handler().transactional() ? transactions : null);
        register(errand, h.handler().value(), handler);
      }
    });
  }

  @SuppressWarnings("unchecked")
  private static void register(Errand errand, String type, MethodTaskHandler handler) {
    errand.handle(type, (Class<Object>) handler.payloadType(), handler);
  }

  private static DataSource applicationDataSource(ObjectProvider<DataSource> dataSources) {
    DataSource ds = dataSources.getIfUnique();
    if (ds == null) {
      throw new IllegalStateException("Errand needs a store: set errand.store-url (sqlite:DIR, postgres://...)"
          + " or give the application one PostgreSQL DataSource");
    }
    return ds;
  }
}
