package dev.errand.core.spi;

/**
 * Take back up to {@code limit} leases that have run out on the store's clock (RUNNING tasks whose
 * {@code leaseUntil} has passed), in an order of the store's choosing. Each is fenced by its state and token in the same
 * statement, so concurrent sweeps on any number of nodes take each lease once. See
 * {@link TaskStore#sweepExpiredLeases}.
 */
public record SweepRequest(int limit) {
  public SweepRequest {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
  }
}
