package dev.errand.core;

/**
 * The root of every exception Errand throws. Each subclass maps to one answer a server gives: store
 * unavailable (503), not found (404), idempotency conflict (409/422), invalid task (422), stale lease (409),
 * schedule conflict (409).
 */
public class ErrandException extends RuntimeException {
  public ErrandException(String message) {
    super(message);
  }

  public ErrandException(String message, Throwable cause) {
    super(message, cause);
  }
}
