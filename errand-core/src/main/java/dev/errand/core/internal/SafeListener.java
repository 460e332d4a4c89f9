package dev.errand.core.internal;

import dev.errand.core.ErrandListener;
import dev.errand.core.Task;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user's listener, wrapped once so that whatever it throws stays here: a listener runs on the
 * threads that claim, run and complete tasks, and in the caller's enqueue after the insert, where an
 * exception would stop a loop or turn a stored task into an error its caller retries (a duplicate). A
 * throw is logged with its stack trace at most once per {@link #LOG_EVERY}, with the count since the
 * last line, so a listener that throws on every task costs a worker no more than the throw itself.
 *
 * <p>Thread-safe. {@link ErrandListener#NONE} is not wrapped, so callers can still tell that nobody
 * listens. Internal: not public API.
 */
public final class SafeListener implements ErrandListener {
  private static final Logger log = LoggerFactory.getLogger(SafeListener.class);
  static final Duration LOG_EVERY = Duration.ofSeconds(10);

  private final ErrandListener delegate;
  private final String name;
  private final AtomicLong nextLogNanos = new AtomicLong(System.nanoTime());
  private final AtomicLong thrown = new AtomicLong();

  private SafeListener(ErrandListener delegate, String name) {
    this.delegate = delegate;
    this.name = name;
  }

  /** {@code listener} made safe; NONE and an already safe listener are returned as they are. */
  public static ErrandListener wrap(ErrandListener listener, String name) {
    return listener == NONE || listener instanceof SafeListener ? listener : new SafeListener(listener, name);
  }

  /** How many times the listener has thrown. */
  long thrown() {
    return thrown.get();
  }

  private void threw(String callback, Task task, RuntimeException e) {
    long count = thrown.incrementAndGet();
    long next = nextLogNanos.get();
    long now = System.nanoTime();
    if (now - next >= 0 && nextLogNanos.compareAndSet(next, now + LOG_EVERY.toNanos())) {
      log.warn("{} listener {} threw from {} for task {} ({} throws so far; the listener must not throw,"
          + " see ErrandListener); logged at most every {}", name, delegate.getClass().getName(), callback,
          task.id(), count, LOG_EVERY, e);
    }
  }

  @Override
  public void enqueued(Task task) {
    try {
      delegate.enqueued(task);
    } catch (RuntimeException e) {
      threw("enqueued", task, e);
    }
  }

  @Override
  public void claimed(Task task) {
    try {
      delegate.claimed(task);
    } catch (RuntimeException e) {
      threw("claimed", task, e);
    }
  }

  @Override
  public void succeeded(Task task, Duration runTime) {
    try {
      delegate.succeeded(task, runTime);
    } catch (RuntimeException e) {
      threw("succeeded", task, e);
    }
  }

  @Override
  public void retrying(Task task, String error, Duration retryIn) {
    try {
      delegate.retrying(task, error, retryIn);
    } catch (RuntimeException e) {
      threw("retrying", task, e);
    }
  }

  @Override
  public void dead(Task task, String error) {
    try {
      delegate.dead(task, error);
    } catch (RuntimeException e) {
      threw("dead", task, e);
    }
  }

  @Override
  public void released(Task task) {
    try {
      delegate.released(task);
    } catch (RuntimeException e) {
      threw("released", task, e);
    }
  }

  @Override
  public void leaseLost(Task task) {
    try {
      delegate.leaseLost(task);
    } catch (RuntimeException e) {
      threw("leaseLost", task, e);
    }
  }

  @Override
  public void cancelled(Task task) {
    try {
      delegate.cancelled(task);
    } catch (RuntimeException e) {
      threw("cancelled", task, e);
    }
  }
}
