package dev.errand.store.sqlite;

/** Reaches the SQLite store's fault hooks from tests of other packages. */
public final class SqliteFaults {
  private SqliteFaults() {}

  /** Caps the file at {@code pages} pages (never below its size now), as if the disk were full. */
  public static void limitPages(SqliteStore store, long pages) {
    store.limitPages(pages);
  }
}
