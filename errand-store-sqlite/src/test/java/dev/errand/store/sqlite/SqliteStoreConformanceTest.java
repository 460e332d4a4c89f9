package dev.errand.store.sqlite;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.TaskStoreConformanceTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract against a real SQLite database in a fresh directory per test. */
class SqliteStoreConformanceTest extends TaskStoreConformanceTest {
  @TempDir
  Path directory;

  @Override
  protected TaskStore newStore() {
    return SqliteStore.open(directory);
  }

  @Override
  protected TaskStore newStoreReadingAtMost(int rows) {
    return SqliteStore.builder(directory.resolve("bounded")).pageReadLimit(rows).build();
  }
}
