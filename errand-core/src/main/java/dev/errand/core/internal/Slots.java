package dev.errand.core.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The free execution slots of one queue: taken by its one {@link QueueWorker} before a claim, given back
 * by whoever ends a run (any thread).
 *
 * <p>Unlike a {@link java.util.concurrent.Semaphore}, a release wakes the waiting taker only once the
 * number it waits for is free. A {@code Semaphore.tryAcquire(100, …)} wakes its waiter at every single
 * release, and the waiter retries, spins and parks again: in a drain of no-op tasks that was more than
 * half of the virtual threads' CPU, ninety-nine useless wake-ups per claim.
 *
 * <p>Threading: one waiting taker at a time (the queue's worker); {@link #tryTakeOne} and {@link #release}
 * from any thread, lock-free.
 * The taker publishes the count it waits for before it rechecks the free count, and a releaser adds to the
 * free count before it reads that wish, so one of the two always sees the other (volatile order) and no
 * wake-up is lost.
 */
final class Slots {
  private static final int NOBODY_WAITS = Integer.MAX_VALUE;

  private final AtomicInteger free;
  /** How many free slots would wake the taker, or {@link #NOBODY_WAITS}. */
  private volatile int awaited = NOBODY_WAITS;
  private volatile Thread taker;

  Slots(int slots) {
    if (slots < 1) {
      throw new IllegalArgumentException("slots must be at least 1: " + slots);
    }
    this.free = new AtomicInteger(slots);
  }

  /** Gives back one slot. */
  void release() {
    if (free.incrementAndGet() >= awaited) {
      LockSupport.unpark(taker);
    }
  }

  /** Gives back {@code n} slots (0 or more). */
  void release(int n) {
    if (n > 0 && free.addAndGet(n) >= awaited) {
      LockSupport.unpark(taker);
    }
  }

  int available() {
    return free.get();
  }

  /**
   * Waits up to {@code timeoutNanos} until {@code wanted} slots are free, then takes them and whatever
   * else is free, up to {@code most}. Returns how many it took: 0 if the time ran out first, having
   * taken none.
   */
  int take(int wanted, int most, long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    int taken;
    while ((taken = tryTake(wanted, most)) == 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return 0;
      }
      await(wanted, left);
    }
    return taken;
  }

  /** Waits as long as it takes for one slot, then takes it and whatever else is free, up to {@code most}. */
  int take(int most) throws InterruptedException {
    int taken;
    while ((taken = tryTake(1, most)) == 0) {
      await(1, Long.MAX_VALUE);
    }
    return taken;
  }

  /** Takes one slot if one is free, without waiting (any thread: it is a compare-and-set). */
  boolean tryTakeOne() {
    return tryTake(1, 1) == 1;
  }

  /** Takes between {@code wanted} and {@code most} slots if {@code wanted} are free, else none. */
  private int tryTake(int wanted, int most) {
    while (true) {
      int now = free.get();
      if (now < wanted) {
        return 0;
      }
      int taking = Math.min(now, most);
      if (free.compareAndSet(now, now - taking)) {
        return taking;
      }
    }
  }

  private void await(int wanted, long nanos) throws InterruptedException {
    taker = Thread.currentThread();
    awaited = wanted;
    try {
      if (free.get() < wanted) {
        if (nanos == Long.MAX_VALUE) {
          LockSupport.park(this);
        } else {
          LockSupport.parkNanos(this, nanos);
        }
      }
    } finally {
      awaited = NOBODY_WAITS;
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
  }
}
