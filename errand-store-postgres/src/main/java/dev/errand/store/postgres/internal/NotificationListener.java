package dev.errand.store.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one dedicated connection that LISTENs on the store's channel and turns each notification into a
 * {@link WorkSignals#signal} for the queue it names, except the store's own inserts' notifications, whose
 * waiters the store woke itself ({@link OwnNotifications}). The connection is never borrowed from the store's
 * pool (it blocks for as long as the store lives). When it drops, the listener reconnects with backoff
 * and, once listening again, signals every queue, since notifications sent in between are lost; while
 * it is away, waiters fall back to polling.
 *
 * <p>One daemon thread, started by the first {@link #start}; {@link #close} stops it. Thread-safe.
 */
public final class NotificationListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NotificationListener.class);
  /** How long one blocking read for notifications lasts before the loop checks for close. */
  private static final int RECEIVE_MILLIS = 500;
  /** A silent connection is probed this often, so a dead one is found and replaced. */
  private static final long PROBE_NANOS = Duration.ofSeconds(10).toNanos();
  private static final long MIN_BACKOFF_MILLIS = 50;
  private static final long MAX_BACKOFF_MILLIS = 2000;

  private final String storeName;
  private final ConnectionSource source;
  private final StoreSql sql;
  private final WorkSignals signals;
  private final OwnNotifications own;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition stateChanged = lock.newCondition();
  private Thread thread;
  private Connection connection;
  private boolean listening;
  private boolean closed;

  public NotificationListener(
      String storeName, ConnectionSource source, StoreSql sql, WorkSignals signals, OwnNotifications own) {
    this.storeName = storeName;
    this.source = source;
    this.sql = sql;
    this.signals = signals;
    this.own = own;
  }

  /** Starts the listener thread if it is not running yet. */
  public void start() {
    lock.lock();
    try {
      if (thread != null || closed) {
        return;
      }
      thread = Thread.ofPlatform().daemon().name("errand-" + storeName + "-listener").unstarted(this::run);
      thread.start();
    } finally {
      lock.unlock();
    }
  }

  /** Waits up to {@code timeoutNanos} until the listener is listening; returns whether it is. */
  public boolean awaitListening(long timeoutNanos) throws InterruptedException {
    lock.lock();
    try {
      long remaining = timeoutNanos;
      while (!listening && !closed && remaining > 0) {
        remaining = stateChanged.awaitNanos(remaining);
      }
      return listening;
    } finally {
      lock.unlock();
    }
  }

  public boolean isListening() {
    lock.lock();
    try {
      return listening;
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    long backoff = MIN_BACKOFF_MILLIS;
    boolean warned = false;
    while (!isClosed()) {
      Connection c = null;
      try {
        c = source.open();
        if (!adopt(c)) {
          break;
        }
        // LISTEN takes effect, and notifications arrive, only outside a transaction block.
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
          s.execute(sql.get("listen"));
        }
        // After LISTEN, so that every notification expected from now on arrives; before any is read.
        own.clear();
        // Before waiters see it listening: one that counts signals from then on is not woken for nothing.
        signals.signalAll();
        setListening(true);
        if (warned) {
          log.info("{}: listening for wake-ups again", storeName);
          warned = false;
        }
        backoff = MIN_BACKOFF_MILLIS;
        receive(c);
      } catch (SQLException | RuntimeException e) {
        if (!isClosed()) {
          if (!warned) {
            log.warn("{}: wake-up connection failed, polling until it reconnects: {}", storeName, e.toString());
            warned = true;
          } else {
            log.debug("{}: wake-up connection still failing: {}", storeName, e.toString());
          }
        }
      } finally {
        setListening(false);
        closeQuietly(c);
      }
      if (!pause(backoff)) {
        break;
      }
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
    }
  }

  private void receive(Connection c) throws SQLException {
    PGConnection pg = c.unwrap(PGConnection.class);
    long lastTraffic = System.nanoTime();
    while (!isClosed()) {
      PGNotification[] notifications = pg.getNotifications(RECEIVE_MILLIS);
      if (notifications != null && notifications.length > 0) {
        for (PGNotification n : notifications) {
          if (!own.arrived(n.getPID(), n.getParameter())) {
            signals.signal(n.getParameter());
          }
        }
        lastTraffic = System.nanoTime();
      } else if (System.nanoTime() - lastTraffic > PROBE_NANOS) {
        try (Statement s = c.createStatement()) {
          s.execute(sql.get("ping"));
        }
        lastTraffic = System.nanoTime();
      }
    }
  }

  /** Records the connection so close can break a blocking read; false if already closed. */
  private boolean adopt(Connection c) {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      connection = c;
      return true;
    } finally {
      lock.unlock();
    }
  }

  private void setListening(boolean value) {
    lock.lock();
    try {
      listening = value;
      if (!value) {
        connection = null;
      }
      stateChanged.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  /** Waits before the next reconnect; false if closed meanwhile. */
  private boolean pause(long millis) {
    lock.lock();
    try {
      long remaining = TimeUnit.MILLISECONDS.toNanos(millis);
      while (!closed && remaining > 0) {
        remaining = stateChanged.awaitNanos(remaining);
      }
      return !closed;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    Thread t;
    Connection c;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      t = thread;
      c = connection;
      stateChanged.signalAll();
    } finally {
      lock.unlock();
    }
    // Closing the socket ends a blocking read at once instead of after RECEIVE_MILLIS.
    closeQuietly(c);
    if (t != null) {
      try {
        t.join(Duration.ofSeconds(2));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void closeQuietly(Connection c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (SQLException | RuntimeException e) {
      // Already broken or closed; nothing to release.
    }
  }
}
