package dev.errand.core.spi;

import dev.errand.core.QueueLimits;
import dev.errand.core.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A queue's task counts by state (states with no task are absent), whether it is paused, its flow
 * limits ({@link QueueLimits#NONE} when it has none), and how long its oldest ready task has waited.
 *
 * <p>Counts of the states that pile up for good, SUCCEEDED and CANCELLED, may be bounded: a store may
 * stop counting them at {@link #MIN_COUNT_BOUND} or more, so that reading the queues stays cheap on a
 * table of millions of finished tasks. A count that reached the store's bound is listed in
 * {@code lowerBounds}: the queue holds at least that many. Every other count is exact.
 *
 * @param oldestReadyAt the runAt of the queue's longest-waiting task that may run now: a READY task, or a
 *     SCHEDULED or RETRYING one whose runAt has passed (stores promote those when a claim looks); null
 *     when the queue has none
 * @param lowerBounds the states whose count is a lower bound (only SUCCEEDED and CANCELLED may be)
 */
public record QueueInfo(String queue, Map<TaskState, Long> counts, boolean paused, QueueLimits limits,
    Instant oldestReadyAt, Set<TaskState> lowerBounds) {
  /** The least a store may bound the count of a finished state at. */
  public static final long MIN_COUNT_BOUND = 1_000;

  public QueueInfo {
    Objects.requireNonNull(queue, "queue");
    counts = counts.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(counts));
    Objects.requireNonNull(limits, "limits");
    lowerBounds = lowerBounds.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(lowerBounds));
    for (TaskState s : lowerBounds) {
      if (s != TaskState.SUCCEEDED && s != TaskState.CANCELLED) {
        throw new IllegalArgumentException("lowerBounds may hold only SUCCEEDED and CANCELLED: " + lowerBounds);
      }
    }
  }

  /** A queue with exact counts, no limits and no ready task. */
  public QueueInfo(String queue, Map<TaskState, Long> counts, boolean paused) {
    this(queue, counts, paused, QueueLimits.NONE, null, Set.of());
  }

  /** True if the queue holds no task, is not paused and has no limits: {@link TaskStore#queues} leaves it out. */
  public boolean isIdle() {
    return counts.values().stream().allMatch(n -> n == 0) && !paused && limits.isNone();
  }

  public long count(TaskState state) {
    return counts.getOrDefault(state, 0L);
  }

  /** True if the count of {@code state} is exact, false if the queue holds at least that many. */
  public boolean isExact(TaskState state) {
    return !lowerBounds.contains(state);
  }

  /** The sum of the counts; a lower bound if any count is. */
  public long total() {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /** How long the oldest ready task has waited at {@code now}; zero if none (or not yet due). */
  public Duration oldestReadyAge(Instant now) {
    if (oldestReadyAt == null || !now.isAfter(oldestReadyAt)) {
      return Duration.ZERO;
    }
    return Duration.between(oldestReadyAt, now);
  }
}
