package dev.errand.store.sqlite;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.TaskStoreProvider;
import java.nio.file.Path;
import java.util.Set;

/**
 * Opens {@code sqlite:DIRECTORY} (also {@code sqlite://DIRECTORY}); a bare {@code sqlite:} means
 * {@code ./errand-data}. The directory is created if missing.
 */
public final class SqliteStoreProvider implements TaskStoreProvider {
  static final String DEFAULT_DIRECTORY = "errand-data";

  @Override
  public Set<String> schemes() {
    return Set.of("sqlite");
  }

  @Override
  public TaskStore open(String url) {
    String path = url.substring(url.indexOf(':') + 1);
    if (path.startsWith("//")) {
      path = path.substring(2);
    }
    return SqliteStore.open(Path.of(path.isEmpty() ? DEFAULT_DIRECTORY : path));
  }
}
