package dev.errand.spring;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.TaskStoreProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;

/** {@link ShutdownTest} on an SQLite store named by {@code errand.store-url}. */
class SqliteShutdownTest extends ShutdownTest {
  private Path dir;

  @Override
  SpringApplicationBuilder application() throws Exception {
    dir = Files.createTempDirectory("errand-spring-shutdown");
    return new SpringApplicationBuilder(App.class).properties("errand.store-url=sqlite:" + dir);
  }

  @Override
  TaskStore openStore() {
    return TaskStoreProvider.openUrl("sqlite:" + dir);
  }

  @StoreUrlApplication
  @Import(Handlers.class)
  static class App {}
}
