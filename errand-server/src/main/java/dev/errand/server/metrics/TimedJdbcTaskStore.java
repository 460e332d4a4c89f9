package dev.errand.server.metrics;

import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.CompleteResult;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.JdbcTransactionalStore;
import dev.errand.core.spi.TaskStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;

/**
 * A {@link TimedTaskStore} over a store that can join the caller's JDBC transaction, keeping that power.
 * Writes in the caller's transaction are timed as their plain counterparts; opening one is not timed.
 */
final class TimedJdbcTaskStore extends TimedTaskStore implements JdbcTransactionalStore {
  private final JdbcTransactionalStore jdbc;

  TimedJdbcTaskStore(TaskStore delegate, MeterRegistry registry) {
    super(delegate, registry);
    this.jdbc = (JdbcTransactionalStore) delegate;
  }

  @Override
  public InsertResult insertMany(Connection connection, InsertRequest request) {
    return time(Op.INSERT, () -> jdbc.insertMany(connection, request));
  }

  @Override
  public Connection openTransaction() {
    return jdbc.openTransaction();
  }

  @Override
  public CompleteResult completeMany(Connection connection, CompleteRequest request) {
    return time(Op.COMPLETE, () -> jdbc.completeMany(connection, request));
  }
}
