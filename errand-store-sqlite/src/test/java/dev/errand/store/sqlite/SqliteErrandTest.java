package dev.errand.store.sqlite;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.ErrandConformanceTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/** The runtime's guarantees on the SQLite store. */
class SqliteErrandTest extends ErrandConformanceTest {
  @Override
  protected TaskStore newStore() {
    try {
      return SqliteStore.open(Files.createTempDirectory("errand-sqlite-errand"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
