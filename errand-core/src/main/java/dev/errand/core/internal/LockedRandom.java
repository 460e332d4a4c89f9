package dev.errand.core.internal;

import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/** A seedable generator that many threads may share (SplittableRandom alone is not thread-safe). */
public final class LockedRandom implements RandomGenerator {
  private final ReentrantLock lock = new ReentrantLock();
  private final SplittableRandom random;

  public LockedRandom(SplittableRandom random) {
    this.random = random;
  }

  @Override
  public long nextLong() {
    lock.lock();
    try {
      return random.nextLong();
    } finally {
      lock.unlock();
    }
  }
}
