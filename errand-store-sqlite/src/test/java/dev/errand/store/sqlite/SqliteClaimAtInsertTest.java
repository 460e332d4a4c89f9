package dev.errand.store.sqlite;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.ClaimAtInsertConformanceTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The insert that leases its task to an idle worker, against a real SQLite database in a fresh directory per test. */
class SqliteClaimAtInsertTest extends ClaimAtInsertConformanceTest {
  @TempDir
  Path directory;

  @Override
  protected TaskStore newStore() {
    return SqliteStore.open(directory);
  }
}
