package dev.errand.core.spi;

import dev.errand.core.TaskId;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The new expiry of every lease that was extended (capped by the task's timeout, see
 * {@link AttemptTimeout}), and the ids whose token was stale (the lease was lost: swept after it ran out,
 * or the task was cancelled) or whose attempt has outlived its timeout. Those leases are not changed.
 */
public record ExtendResult(Map<TaskId, Instant> extended, List<TaskId> stale) {
  public ExtendResult {
    extended = Map.copyOf(extended);
    stale = List.copyOf(stale);
  }
}
