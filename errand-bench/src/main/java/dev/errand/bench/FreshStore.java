package dev.errand.bench;

import dev.errand.core.spi.TaskStore;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A store no run has used before, and how to reach it from another process ({@code url}). Closing it
 * closes the store and removes what it created (the directory, the schema). {@code settle} brings the
 * store's own statistics up to date after a bulk fill, as a database's background maintenance would in
 * service (PostgreSQL: VACUUM ANALYZE; nothing for SQLite, whose plans use no statistics).
 * {@code serverCpu} is the CPU so far of each database server process serving this store, by process id
 * (PostgreSQL on this machine: its backends; empty where there is none, or it cannot be told).
 */
record FreshStore(TaskStore store, String url, AutoCloseable cleanup, Runnable settle,
    Supplier<Map<Long, Long>> serverCpu) implements AutoCloseable {
  FreshStore(TaskStore store, String url, AutoCloseable cleanup) {
    this(store, url, cleanup, () -> { }, Map::of);
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
