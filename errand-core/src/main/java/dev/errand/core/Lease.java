package dev.errand.core;

import java.time.Instant;
import java.util.Objects;

/**
 * A worker's claim on a running task. The token fences: every complete, fail and extend must carry it,
 * and the store refuses any that carries a token other than the current one. {@code until} is on the
 * store's clock.
 */
public record Lease(String token, Instant until, String workerId) {
  public Lease {
    Objects.requireNonNull(token, "lease token");
    Objects.requireNonNull(until, "lease until");
    Objects.requireNonNull(workerId, "workerId");
  }
}
