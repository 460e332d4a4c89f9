package dev.errand.store.sqlite;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.WorkflowConformanceTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Workflows against a real SQLite database in a fresh directory per test, opened again for restarts. */
class SqliteWorkflowTest extends WorkflowConformanceTest {
  @TempDir
  Path directory;

  @Override
  protected TaskStore newStore() {
    return SqliteStore.open(directory);
  }

  @Override
  protected TaskStore reopen() {
    return SqliteStore.open(directory);
  }
}
