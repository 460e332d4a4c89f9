package dev.errand.core.spi;

import dev.errand.core.QueueLimits;
import dev.errand.core.TaskState;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * A queue's task counts by state (states with no task are absent), whether it is paused, and its flow
 * limits ({@link QueueLimits#NONE} when it has none).
 */
public record QueueInfo(String queue, Map<TaskState, Long> counts, boolean paused, QueueLimits limits) {
  public QueueInfo {
    counts = counts.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(counts));
    Objects.requireNonNull(limits, "limits");
  }

  /** A queue with no limits. */
  public QueueInfo(String queue, Map<TaskState, Long> counts, boolean paused) {
    this(queue, counts, paused, QueueLimits.NONE);
  }

  public long count(TaskState state) {
    return counts.getOrDefault(state, 0L);
  }

  public long total() {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }
}
