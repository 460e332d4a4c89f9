package dev.errand.store.sqlite.internal;

import dev.errand.core.StoreUnavailableException;
import java.sql.SQLException;

/** How SQLite failures reach callers: as {@link StoreUnavailableException}, naming the store and the step. */
public final class StoreErrors {
  private StoreErrors() {}

  public static StoreUnavailableException unavailable(String store, String what, SQLException cause) {
    return new StoreUnavailableException(store + ": " + what + " failed: " + cause.getMessage(), cause);
  }

  public static StoreUnavailableException closed(String store) {
    return new StoreUnavailableException(store + " is closed", null);
  }
}
