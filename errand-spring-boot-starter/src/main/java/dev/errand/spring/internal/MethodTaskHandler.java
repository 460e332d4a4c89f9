package dev.errand.spring.internal;

import dev.errand.core.Json;
import dev.errand.core.TaskContext;
import dev.errand.core.TaskHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import javax.sql.DataSource;
import org.springframework.aop.support.AopUtils;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.util.ReflectionUtils;

/**
 * Calls one {@code @ErrandHandler} method for each run: the task's context and decoded payload go to the
 * parameters that take them, and what the method returns is the task's result. A transactional handler
 * gets the run's completion transaction bound to the application's DataSource for the length of the
 * call, as Spring's transaction managers bind their own, so Spring's JDBC access uses it. Thread-safe.
 * Internal: not public API.
 */
public final class MethodTaskHandler implements TaskHandler<Object> {
  private final Object bean;
  private final Method method;
  private final int contextIndex;
  private final int payloadIndex;
  private final Class<?> payloadType;
  private final DataSource transactionSource;

  /**
   * @param transactionSource the DataSource to bind the run's transaction to, or null for a method that
   *     is not transactional
   * @throws IllegalStateException if a parameter is neither the context nor the one payload
   */
  public MethodTaskHandler(HandlerMethod found, Object bean, DataSource transactionSource) {
    this.bean = bean;
    this.method = AopUtils.selectInvocableMethod(found.method(), bean.getClass());
    ReflectionUtils.makeAccessible(method);
    int context = -1;
    int payload = -1;
    Class<?>[] types = method.getParameterTypes();
    for (int i = 0; i < types.length; i++) {
      if (types[i] == TaskContext.class && context < 0) {
        context = i;
      } else if (payload < 0) {
        payload = i;
      } else {
        throw new IllegalStateException("@ErrandHandler " + found.describe() + " takes at most a TaskContext and"
            + " one payload parameter; parameter " + i + " (" + types[i].getSimpleName() + ") is neither");
      }
    }
    this.contextIndex = context;
    this.payloadIndex = payload;
    this.payloadType = payload < 0 ? Json.class : types[payload];
    this.transactionSource = transactionSource;
  }

  /** The class the payload is decoded as: the payload parameter's, or {@code Json} if there is none. */
  public Class<?> payloadType() {
    return payloadType;
  }

  @Override
  public Object handle(TaskContext task, Object payload) throws Exception {
    Object[] args = new Object[method.getParameterCount()];
    if (contextIndex >= 0) {
      args[contextIndex] = task;
    }
    if (payloadIndex >= 0) {
      args[payloadIndex] = payload;
    }
    if (transactionSource == null) {
      return invoke(args);
    }
    Connection connection = task.connection();
    TransactionSynchronizationManager.bindResource(transactionSource, new RunTransactionHolder(connection));
    try {
      return invoke(args);
    } finally {
      TransactionSynchronizationManager.unbindResource(transactionSource);
    }
  }

  private Object invoke(Object[] args) throws Exception {
    try {
      return method.invoke(bean, args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }

  /**
   * The run's transaction as Spring sees a transaction under way: {@code DataSourceUtils} hands out its
   * connection, and a {@code @Transactional} method (propagation REQUIRED) joins it instead of beginning
   * its own. Neither commits it: Errand commits it with the task's completion, or rolls it back.
   */
  private static final class RunTransactionHolder extends ConnectionHolder {
    RunTransactionHolder(Connection connection) {
      super(connection);
      setTransactionActive(true);
    }
  }
}
