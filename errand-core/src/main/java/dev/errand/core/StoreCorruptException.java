package dev.errand.core;

/**
 * The store's data is damaged: retrying cannot help, a person must repair or restore it. Unlike
 * {@link StoreUnavailableException} this is not a reason to retry later.
 */
public class StoreCorruptException extends ErrandException {
  public StoreCorruptException(String message, Throwable cause) {
    super(message, cause);
  }
}
