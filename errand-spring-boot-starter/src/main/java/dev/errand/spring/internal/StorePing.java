package dev.errand.spring.internal;

import dev.errand.core.Errand;

/**
 * The health check's one question, asked the same way whichever Spring Boot's health API reports it.
 * Internal: not public API.
 */
public final class StorePing {
  private StorePing() {}

  /** Null while the Errand's store answers a ping, else the store's error. */
  public static RuntimeException failure(Errand errand) {
    try {
      errand.store().ping();
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }
}
