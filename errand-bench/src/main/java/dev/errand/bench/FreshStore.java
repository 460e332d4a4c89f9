package dev.errand.bench;

import dev.errand.core.spi.TaskStore;

/**
 * A store no run has used before, and how to reach it from another process ({@code url}). Closing it
 * closes the store and removes what it created (the directory, the schema).
 */
record FreshStore(TaskStore store, String url, AutoCloseable cleanup) implements AutoCloseable {
  @Override
  public void close() throws Exception {
    try {
      store.close();
    } finally {
      cleanup.close();
    }
  }
}
