package dev.errand.store.postgres.internal;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The notifications that the store's own inserts send and have already acted on. An insert in the
 * store's own transaction wakes this process's waiters itself once it has committed, so when its
 * notification comes back through the LISTEN connection the listener skips it, instead of waking the
 * same waiters a second time for nothing (each would make an empty claim and a due-time query).
 *
 * <p>A notification is known by the backend process that sent it and the queue it names. An insert
 * records what it expects before its statement runs, since the notification may arrive before the
 * statement's answer, and afterwards forgets the queues it did not notify. Taking an older notification
 * of the same backend and queue for the expected one is harmless: the insert wakes that queue's waiters
 * itself after it has committed, which is after the older notification's commit, and it does so for a
 * forgotten queue too when its expectation was used up ({@link #forget}). What the listener misses while
 * it is not listening never comes, so everything is forgotten when it listens again ({@link #clear}).
 *
 * <p>Thread-safe; the lock is held only to update counts.
 */
public final class OwnNotifications {
  /** The backend of a connection whose process id is unknown: nothing is expected from it. */
  public static final int UNKNOWN_BACKEND = -1;

  private record Key(int backend, String queue) {}

  private final ReentrantLock lock = new ReentrantLock();
  private final Map<Key, Integer> expected = new HashMap<>();

  /** Before an insert on {@code backend} that may notify each of {@code queues} once. */
  public void expect(int backend, Collection<String> queues) {
    if (backend == UNKNOWN_BACKEND) {
      return;
    }
    lock.lock();
    try {
      for (String queue : queues) {
        expected.merge(new Key(backend, queue), 1, Integer::sum);
      }
    } finally {
      lock.unlock();
    }
  }

  /** A notification from {@code backend} for {@code queue} came in: true if it was expected, and is now used up. */
  public boolean arrived(int backend, String queue) {
    lock.lock();
    try {
      return useUp(new Key(backend, queue));
    } finally {
      lock.unlock();
    }
  }

  /**
   * After the insert: forgets one expectation for each of {@code queues}, which the insert did not
   * notify. Returns the queues whose expectation a notification had used up already: an older one, whose
   * waiters the caller must now wake itself.
   */
  public Set<String> forget(int backend, Collection<String> queues) {
    if (backend == UNKNOWN_BACKEND || queues.isEmpty()) {
      return Set.of();
    }
    Set<String> usedUp = new LinkedHashSet<>();
    lock.lock();
    try {
      for (String queue : queues) {
        if (!useUp(new Key(backend, queue))) {
          usedUp.add(queue);
        }
      }
    } finally {
      lock.unlock();
    }
    return usedUp;
  }

  /** Takes one expectation of {@code key} away: false if there was none. Called with the lock held. */
  private boolean useUp(Key key) {
    Integer n = expected.get(key);
    if (n == null) {
      return false;
    }
    if (n == 1) {
      expected.remove(key);
    } else {
      expected.put(key, n - 1);
    }
    return true;
  }

  /** Forgets every expectation: the listener has just started listening, and what it missed never comes. */
  public void clear() {
    lock.lock();
    try {
      expected.clear();
    } finally {
      lock.unlock();
    }
  }
}
