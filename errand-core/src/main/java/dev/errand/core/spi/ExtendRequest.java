package dev.errand.core.spi;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Extend each lease to the store's now plus {@code leaseFor}, if its token is still current and its attempt
 * has not outlived the task's timeout; no lease runs past the cap {@link AttemptTimeout} sets.
 */
public record ExtendRequest(List<LeaseRef> leases, Duration leaseFor) {
  public ExtendRequest {
    leases = List.copyOf(leases);
    Objects.requireNonNull(leaseFor, "leaseFor");
  }
}
