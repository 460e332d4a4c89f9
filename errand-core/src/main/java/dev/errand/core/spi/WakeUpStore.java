package dev.errand.core.spi;

/**
 * An optional power of a {@link TaskStore}, found through {@link TaskStore#capability}: a native wake-up
 * for idle workers (an in-process signal, PostgreSQL's LISTEN/NOTIFY). Without it workers poll: they
 * sleep for the wait's whole length and claim again.
 */
public interface WakeUpStore {
  /**
   * Blocks until work may be claimable in one of the queues (a task inserted, released, or coming due)
   * or until {@code maxWait}. Spurious returns are allowed; callers claim and wait again.
   */
  void awaitWork(WaitRequest request) throws InterruptedException;
}
