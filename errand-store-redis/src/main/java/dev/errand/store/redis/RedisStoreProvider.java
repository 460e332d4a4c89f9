package dev.errand.store.redis;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.TaskStoreProvider;
import java.util.Set;

/**
 * Opens a {@link RedisStore} from a {@code redis://}, {@code rediss://} or {@code redis-sentinel://} URL
 * with the options {@code prefix} and {@code durability}; registered for {@link TaskStoreProvider#openUrl}.
 */
public final class RedisStoreProvider implements TaskStoreProvider {
  @Override
  public Set<String> schemes() {
    return Set.of("redis", "rediss", "redis-sentinel");
  }

  @Override
  public TaskStore open(String url) {
    return RedisStore.of(url);
  }
}
