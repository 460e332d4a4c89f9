package dev.errand.core.spi;

import dev.errand.core.TaskId;
import java.util.Objects;

/**
 * Cancel a task that has not finished. A RUNNING task is cancelled too: its lease is cleared, so the
 * worker's completion will be refused as stale.
 */
public record CancelRequest(TaskId id) {
  public CancelRequest {
    Objects.requireNonNull(id, "id");
  }
}
