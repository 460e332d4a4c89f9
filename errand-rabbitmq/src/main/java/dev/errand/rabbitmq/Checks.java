package dev.errand.rabbitmq;

import java.time.Duration;

/** The argument checks the builders share; each names the field and the value. Internal. */
final class Checks {
  /** The most messages one relay batch or inbox batch holds: a bounded store write. */
  static final int MAX_BATCH = 10_000;

  private Checks() {}

  static int range(String name, int n, int min, int max) {
    if (n < min || n > max) {
      throw new IllegalArgumentException(name + " must be " + min + ".." + max + ": " + n);
    }
    return n;
  }

  static Duration positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
    return d;
  }
}
