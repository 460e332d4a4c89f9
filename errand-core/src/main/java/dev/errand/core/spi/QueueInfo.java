package dev.errand.core.spi;

import dev.errand.core.TaskState;
import java.util.EnumMap;
import java.util.Map;

/** A queue's task counts by state (states with no task are absent) and whether it is paused. */
public record QueueInfo(String queue, Map<TaskState, Long> counts, boolean paused) {
  public QueueInfo {
    counts = counts.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(counts));
  }

  public long count(TaskState state) {
    return counts.getOrDefault(state, 0L);
  }

  public long total() {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }
}
