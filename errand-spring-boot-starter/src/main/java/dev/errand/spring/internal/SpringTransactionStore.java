package dev.errand.spring.internal;

import dev.errand.core.spi.ForwardingTaskStore;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.JdbcTransactionalStore;
import dev.errand.core.spi.TaskStore;
import java.sql.Connection;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A store in the application's DataSource whose enqueues join the Spring transaction under way on the
 * calling thread: inside {@code @Transactional} (or a {@code TransactionTemplate}) the tasks are inserted
 * with the transaction's own connection, so they exist if and only if it commits. Outside a transaction,
 * and for every other call, the store is used as it is. Thread-safe. Internal: not public API.
 */
public final class SpringTransactionStore extends ForwardingTaskStore {
  private final DataSource dataSource;
  private final JdbcTransactionalStore jdbc;

  /** @throws IllegalArgumentException if {@code store} cannot join a JDBC transaction */
  public SpringTransactionStore(TaskStore store, DataSource dataSource) {
    super(store);
    this.dataSource = dataSource;
    this.jdbc = store.capability(JdbcTransactionalStore.class).orElseThrow(() ->
        new IllegalArgumentException("store " + store.name() + " cannot join a JDBC transaction"));
  }

  @Override
  public InsertResult insertMany(InsertRequest request) {
    if (!TransactionSynchronizationManager.isActualTransactionActive()
        || TransactionSynchronizationManager.getResource(dataSource) == null) {
      return delegate.insertMany(request);
    }
    Connection connection = DataSourceUtils.getConnection(dataSource);
    try {
      return jdbc.insertMany(connection, request);
    } finally {
      DataSourceUtils.releaseConnection(connection, dataSource);
    }
  }
}
