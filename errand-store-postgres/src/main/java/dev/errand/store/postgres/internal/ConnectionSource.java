package dev.errand.store.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;

/** Opens a connection; for the listener, which needs one of its own outside the store's pool. */
@FunctionalInterface
public interface ConnectionSource {
  Connection open() throws SQLException;
}
