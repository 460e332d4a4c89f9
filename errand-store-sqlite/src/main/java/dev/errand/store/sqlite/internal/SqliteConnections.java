package dev.errand.store.sqlite.internal;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.sqlite.SQLiteConfig;

/** Opens connections to the store's database file with the settings the store relies on. */
public final class SqliteConnections {
  private final String url;
  private final Duration busyTimeout;

  public SqliteConnections(Path databaseFile, Duration busyTimeout) {
    this.url = "jdbc:sqlite:" + databaseFile;
    this.busyTimeout = busyTimeout;
  }

  /**
   * The write connection. WAL lets readers run beside the writer; synchronous=FULL fsyncs the WAL at each
   * commit, so a write that returned survives a power cut, not only a crash of the process.
   */
  public Connection openWriter() throws SQLException {
    SQLiteConfig config = common();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    // The writer's cache holds the hot pages: the front of the claim, due and lease indexes and the
    // rows being claimed and completed. 8 MiB, not more: SQLite walks its whole page cache at the end of
    // every transaction in which a b-tree balance swapped page numbers (it parks a page at the pending-byte
    // page number, which marks the cache as holding pages past the end of the file), and in a drain that
    // is nearly every transaction. With 32 MiB that walk was a tenth of the writer's CPU.
    config.setCacheSize(-8_192);
    // After a burst the WAL file is cut back to 64 MiB at the next checkpoint instead of keeping its peak size.
    config.setJournalSizeLimit(64 * 1024 * 1024);
    return config.createConnection(url);
  }

  public Connection openReader() throws SQLException {
    return common().createConnection(url);
  }

  private SQLiteConfig common() {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, busyTimeout.toMillis()));
    config.setTempStore(SQLiteConfig.TempStore.MEMORY);
    // The store never asks for generated keys (ids are its own); left on, the driver matches every
    // executed statement's SQL against a regular expression to support them.
    config.setGetGeneratedKeys(false);
    return config;
  }
}
