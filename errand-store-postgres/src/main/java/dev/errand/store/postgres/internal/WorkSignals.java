package dev.errand.store.postgres.internal;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Per-queue wake-up counters shared by the notification listener and the threads in
 * {@code awaitWork}. Each notification for a queue bumps its counter; a reconnect of the listener bumps
 * every queue, since notifications may have been missed while it was away.
 *
 * <p>A notification can arrive between a caller's empty (or short) claim and its wait. So that it is not
 * lost, a claim reads the queue's counter before it runs and, if it comes back with fewer tasks than it
 * asked for, records that value ({@link #claimedAll}); a wait then returns at once if the counter has
 * moved since. A later such claim overwrites the record, which is right: a claim that started after a
 * notification saw its work.
 *
 * <p>Thread-safe. The lock is held only to read and write counters, never across I/O.
 */
public final class WorkSignals {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<String, Long> versions = new HashMap<>();
  private final Map<String, Long> emptyAt = new HashMap<>();
  private long everyQueue;
  private boolean closed;

  /** The queue's counter now. */
  public long version(String queue) {
    lock.lock();
    try {
      return versions.getOrDefault(queue, 0L) + everyQueue;
    } finally {
      lock.unlock();
    }
  }

  /** Records that a claim which started when the counter was {@code version} took all it found. */
  public void claimedAll(String queue, long version) {
    lock.lock();
    try {
      emptyAt.put(queue, version);
    } finally {
      lock.unlock();
    }
  }

  /** Work may have arrived in {@code queue}. */
  public void signal(String queue) {
    lock.lock();
    try {
      versions.merge(queue, 1L, Long::sum);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Work may have arrived anywhere. */
  public void signalAll() {
    lock.lock();
    try {
      everyQueue++;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Releases every waiter, now and later: the store is closing. */
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Where a wait on {@code queues} counts signals from: each queue's last claim that took all it found,
   * else now. Those records of the queues are used up, so that a caller which waits again without claiming in
   * between really waits.
   */
  public Baseline baseline(Collection<String> queues) {
    lock.lock();
    try {
      Map<String, Long> versionsThen = new HashMap<>();
      for (String queue : queues) {
        long now = versions.getOrDefault(queue, 0L) + everyQueue;
        Long empty = emptyAt.remove(queue);
        versionsThen.put(queue, empty != null ? empty : now);
      }
      return new Baseline(versionsThen);
    } finally {
      lock.unlock();
    }
  }

  /** Whether one of the baseline's queues was signalled after it, or the signals are closed. */
  public boolean signalledSince(Baseline baseline) {
    lock.lock();
    try {
      return closed || moved(baseline);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until one of the baseline's queues is signalled after it, or {@code timeoutNanos} passes.
   * Returns true if signalled.
   */
  public boolean await(Baseline baseline, long timeoutNanos) throws InterruptedException {
    lock.lock();
    try {
      long remaining = timeoutNanos;
      while (!closed) {
        if (moved(baseline)) {
          return true;
        }
        if (remaining <= 0) {
          return false;
        }
        remaining = changed.awaitNanos(remaining);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  private boolean moved(Baseline baseline) {
    for (Map.Entry<String, Long> e : baseline.versions.entrySet()) {
      if (versions.getOrDefault(e.getKey(), 0L) + everyQueue != e.getValue()) {
        return true;
      }
    }
    return false;
  }

  /** The queues' counters at the point a wait counts from. */
  public static final class Baseline {
    private final Map<String, Long> versions;

    private Baseline(Map<String, Long> versions) {
      this.versions = versions;
    }
  }
}
