package dev.errand.spring.internal;

import dev.errand.core.spi.TaskStore;
import dev.errand.spring.ErrandProperties;
import javax.sql.DataSource;
import org.springframework.util.ClassUtils;

/**
 * The PostgreSQL store in the application's DataSource, its enqueues joining Spring's transactions. Kept
 * apart so that the starter loads no PostgreSQL class when the application names another store.
 * Internal: not public API.
 */
public final class PostgresDataSourceStore {
  private static final String STORE = "dev.errand.store.postgres.PostgresStore";

  private PostgresDataSourceStore() {}

  /** @throws IllegalStateException if errand-store-postgres is not on the classpath */
  public static TaskStore open(DataSource dataSource, ErrandProperties.Postgres settings) {
    if (!ClassUtils.isPresent(STORE, PostgresDataSourceStore.class.getClassLoader())) {
      throw new IllegalStateException("Errand's store in the application's DataSource needs errand-store-postgres"
          + " on the classpath; or set errand.store-url");
    }
    TaskStore store = dev.errand.store.postgres.PostgresStore.builder().dataSource(dataSource)
        .schema(settings.getSchema()).migrate(settings.isMigrate()).build();
    return new SpringTransactionStore(store, dataSource);
  }
}
