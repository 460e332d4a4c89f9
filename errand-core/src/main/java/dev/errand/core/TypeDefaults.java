package dev.errand.core;

import java.time.Duration;

/**
 * A task type's own retry policy and timeout, used for its tasks whose spec sets none; either may be
 * null to fall back to the Errand's defaults. Producers apply them at enqueue, so a producer and its
 * workers should configure the same ones.
 */
public record TypeDefaults(RetryPolicy retry, Duration timeout) {
  public TypeDefaults {
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
  }
}
