package dev.errand.store.sqlite.internal;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-process wake-up of a store: a version number per queue, raised after a commit that may have made
 * work claimable there (an insert, a release, a retry, a replay, a resume). A waiter reads the version of
 * its queues before it looks at the database and then waits for it to change, so a commit that lands
 * between the look and the wait is never missed. Thread-safe.
 */
public final class WorkSignal {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<String, Long> versions = new HashMap<>();
  private long everyQueue;

  /** A number that changes whenever one of {@code queues} is signalled. */
  public long version(Collection<String> queues) {
    lock.lock();
    try {
      return versionLocked(queues);
    } finally {
      lock.unlock();
    }
  }

  /** Signals {@code queues}, or every queue if {@code all}. */
  public void signal(Collection<String> queues, boolean all) {
    if (queues.isEmpty() && !all) {
      return;
    }
    lock.lock();
    try {
      if (all) {
        everyQueue++;
      }
      for (String queue : queues) {
        versions.merge(queue, 1L, Long::sum);
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waits until the version of {@code queues} differs from {@code seen} or until {@code deadlineNanos}. */
  public void await(Collection<String> queues, long seen, long deadlineNanos) throws InterruptedException {
    lock.lock();
    try {
      while (versionLocked(queues) == seen) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return;
        }
        changed.await(left, TimeUnit.NANOSECONDS);
      }
    } finally {
      lock.unlock();
    }
  }

  private long versionLocked(Collection<String> queues) {
    long version = everyQueue;
    for (String queue : queues) {
      version += versions.getOrDefault(queue, 0L);
    }
    return version;
  }
}
