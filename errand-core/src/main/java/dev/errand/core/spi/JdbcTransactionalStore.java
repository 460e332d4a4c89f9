package dev.errand.core.spi;

import java.sql.Connection;

/**
 * An optional power: a store in a JDBC database that can insert tasks with the caller's own connection,
 * so the tasks commit or roll back with the caller's transaction. It never commits, rolls back or closes
 * the connection.
 */
public interface JdbcTransactionalStore {
  InsertResult insertMany(Connection connection, InsertRequest request);
}
