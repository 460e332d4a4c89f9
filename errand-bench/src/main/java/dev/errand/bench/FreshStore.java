package dev.errand.bench;

import dev.errand.core.spi.TaskStore;

/**
 * A store no run has used before, and how to reach it from another process ({@code url}). Closing it
 * closes the store and removes what it created (the directory, the schema). {@code settle} brings the
 * store's own statistics up to date after a bulk fill, as a database's background maintenance would in
 * service (PostgreSQL: VACUUM ANALYZE; nothing for SQLite, whose plans use no statistics).
 */
record FreshStore(TaskStore store, String url, AutoCloseable cleanup, Runnable settle) implements AutoCloseable {
  FreshStore(TaskStore store, String url, AutoCloseable cleanup) {
    this(store, url, cleanup, () -> { });
  }

  @Override
  public void close() throws Exception {
    try {
      store.close();
    } finally {
      cleanup.close();
    }
  }
}
