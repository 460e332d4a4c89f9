package dev.errand.store.postgres;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.TaskStoreProvider;
import java.util.Set;

/**
 * Opens a {@link PostgresStore} with its own pool from a {@code postgres://} or {@code postgresql://}
 * URL, in the schema its {@code schema} option names ({@code postgres://user@host/db?schema=jobs}), else
 * the default; registered for {@link TaskStoreProvider#openUrl}.
 */
public final class PostgresStoreProvider implements TaskStoreProvider {
  @Override
  public Set<String> schemes() {
    return Set.of("postgres", "postgresql");
  }

  @Override
  public TaskStore open(String url) {
    return PostgresStore.of(url);
  }
}
