package dev.errand.core.spi;

import dev.errand.core.Names;
import dev.errand.core.WorkerIds;
import java.time.Duration;
import java.util.Objects;

/**
 * Claim up to {@code limit} due tasks of {@code queue} for {@code workerId}, best first (priority
 * descending, then runAt, then id). Each claimed task becomes RUNNING with a fresh lease token valid for
 * {@code leaseFor} on the store's clock (at most its timeout plus {@link AttemptTimeout#GRACE}), and its
 * attempt goes up by one. RUNNING tasks whose lease ran out are not claimed: {@link
 * TaskStore#sweepExpiredLeases} takes them back first. A paused queue yields nothing, and
 * a limited queue no more than its limits allow (see {@link QueueLimitStore#limitQueue}).
 */
public record ClaimRequest(String queue, int limit, Duration leaseFor, String workerId) {
  public ClaimRequest {
    Names.require("queue", queue);
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    Objects.requireNonNull(leaseFor, "leaseFor");
    if (leaseFor.isNegative() || leaseFor.isZero()) {
      throw new IllegalArgumentException("leaseFor must be positive: " + leaseFor);
    }
    WorkerIds.require("workerId", workerId);
  }
}
