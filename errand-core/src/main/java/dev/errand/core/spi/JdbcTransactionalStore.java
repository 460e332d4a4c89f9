package dev.errand.core.spi;

import java.sql.Connection;

/**
 * An optional power of stores in a JDBC database, found through {@link TaskStore#capability}: tasks
 * inserted and completed with a connection the caller controls, so they commit or roll back with the
 * caller's own writes. These methods never commit, roll back or close the connection they are given.
 */
public interface JdbcTransactionalStore {
  /** Inserts with the caller's connection: the tasks exist if and only if the caller commits. */
  InsertResult insertMany(Connection connection, InsertRequest request);

  /**
   * A new connection to the store's database with auto-commit off, for a handler's own writes in the
   * same transaction as its task's completion. The caller commits or rolls back and closes it.
   */
  Connection openTransaction();

  /** Applies completions with the caller's connection; fenced by lease token like the plain form. */
  CompleteResult completeMany(Connection connection, CompleteRequest request);
}
