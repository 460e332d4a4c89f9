package dev.errand.core.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;

/**
 * Opens a store from a URL such as {@code sqlite:./errand-data} or {@code postgres://user@host/db}, so
 * the server and the benchmark can choose a store by configuration. Each store module registers one in
 * {@code META-INF/services/dev.errand.core.spi.TaskStoreProvider}.
 */
public interface TaskStoreProvider {
  /** The URL schemes this provider opens, such as {@code sqlite} or {@code postgres}. */
  Set<String> schemes();

  /** Opens the store; the caller closes it. */
  TaskStore open(String url);

  /** Opens {@code url} with the provider registered for its scheme. */
  static TaskStore openUrl(String url) {
    int colon = url == null ? -1 : url.indexOf(':');
    if (colon < 1) {
      throw new IllegalArgumentException("store URL must start with a scheme such as sqlite: or postgres://: " + url);
    }
    String scheme = url.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
    List<String> known = new ArrayList<>();
    for (TaskStoreProvider provider : ServiceLoader.load(TaskStoreProvider.class)) {
      if (provider.schemes().contains(scheme)) {
        return provider.open(url);
      }
      known.addAll(provider.schemes());
    }
    throw new IllegalArgumentException("no store for scheme " + scheme + " (available: " + new TreeSet<>(known) + ")");
  }
}
