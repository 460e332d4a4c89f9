package dev.errand.store.sqlite;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.ScheduleConformanceTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/** Exactly-once schedule ticks across scheduler nodes sharing one SQLite store. */
class SqliteScheduleTest extends ScheduleConformanceTest {
  @Override
  protected TaskStore newStore() {
    try {
      return SqliteStore.open(Files.createTempDirectory("errand-sqlite-schedule"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
