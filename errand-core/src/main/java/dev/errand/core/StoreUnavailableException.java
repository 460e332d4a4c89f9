package dev.errand.core;

/** The store could not be reached or failed; the operation may or may not have taken effect only if it says so. */
public class StoreUnavailableException extends ErrandException {
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
