package dev.errand.store.sqlite;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.FollowUpConformanceTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Follow-ups and joins against a real SQLite database in a fresh directory per test. */
class SqliteFollowUpTest extends FollowUpConformanceTest {
  @TempDir
  Path directory;

  @Override
  protected TaskStore newStore() {
    return SqliteStore.open(directory);
  }
}
