package dev.errand.core.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * Delete up to {@code limit} SUCCEEDED and CANCELLED tasks that finished before {@code finishedBefore}.
 * DEAD tasks are kept until purged. Small limits keep each delete short.
 */
public record PruneRequest(Instant finishedBefore, int limit) {
  public PruneRequest {
    Objects.requireNonNull(finishedBefore, "finishedBefore");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
  }
}
