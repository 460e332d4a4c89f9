package dev.errand.store.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;

/** Work done with a connection the store lends; SQLExceptions are mapped by the caller. Not public API. */
@FunctionalInterface
public interface SqlWork<T> {
  T run(Connection c) throws SQLException;
}
