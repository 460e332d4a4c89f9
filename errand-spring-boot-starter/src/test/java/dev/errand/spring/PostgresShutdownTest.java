package dev.errand.spring;

import dev.errand.core.spi.TaskStore;
import dev.errand.spring.internal.PostgresDataSourceStore;
import java.util.Map;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** {@link ShutdownTest} with the store in the application's PostgreSQL DataSource, in a schema of its own. */
class PostgresShutdownTest extends ShutdownTest {
  private static final String SCHEMA = PostgresTestServer.newSchema();

  @Override
  SpringApplicationBuilder application() {
    PostgresTestServer.require();
    return new SpringApplicationBuilder(App.class).properties(Map.of(
        "spring.datasource.url", PostgresTestServer.JDBC_URL,
        "errand.postgres.schema", SCHEMA));
  }

  @Override
  TaskStore openStore() {
    ErrandProperties.Postgres settings = new ErrandProperties.Postgres();
    settings.setSchema(SCHEMA);
    settings.setMigrate(false);
    return PostgresDataSourceStore.open(new DriverManagerDataSource(PostgresTestServer.JDBC_URL), settings);
  }

  @Override
  void afterTest() throws Exception {
    PostgresTestServer.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(Handlers.class)
  static class App {}
}
