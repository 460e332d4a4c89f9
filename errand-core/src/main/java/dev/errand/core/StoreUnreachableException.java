package dev.errand.core;

/**
 * The store could not be reached: no connection could be had, or the one in use broke. Unlike a
 * statement the store refused, this says the store as a whole is down for now, so a server stops sending
 * it work until it answers again. A write that threw this may have committed without its answer
 * arriving: its outcome is unknown, and a retry is safe only with the same idempotency key.
 */
public class StoreUnreachableException extends StoreUnavailableException {
  public StoreUnreachableException(String message, Throwable cause) {
    super(message, cause);
  }
}
