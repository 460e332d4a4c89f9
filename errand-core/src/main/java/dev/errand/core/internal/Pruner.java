package dev.errand.core.internal;

import dev.errand.core.ErrandException;
import dev.errand.core.spi.PruneRequest;
import dev.errand.core.spi.TaskStore;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes SUCCEEDED and CANCELLED tasks past their retention, every {@code interval}, in small batches
 * so no delete holds the store for long. Runs on every started Errand, workers or not: a server whose
 * workers are all remote still has to forget old results. Internal: not public API.
 */
public final class Pruner {
  private static final Logger log = LoggerFactory.getLogger(Pruner.class);
  static final int BATCH = 1000;

  private final TaskStore store;
  private final String name;
  private final Clock clock;
  private final Duration retention;
  private final Duration interval;
  private volatile Thread thread;

  public Pruner(TaskStore store, String name, Clock clock, Duration retention, Duration interval) {
    this.store = store;
    this.name = name;
    this.clock = clock;
    this.retention = retention;
    this.interval = interval;
  }

  public void start() {
    thread = Thread.ofVirtual().name("errand-pruner").start(this::loop);
  }

  private void loop() {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        Thread.sleep(interval);
        pruneOnce();
      }
    } catch (InterruptedException e) {
      // stop() interrupts
    }
  }

  /** Deletes everything past retention now; returns how many tasks went. */
  public int pruneOnce() {
    PruneRequest request = new PruneRequest(clock.instant().minus(retention), BATCH);
    int total = 0;
    try {
      int n;
      do {
        n = store.prune(request);
        total += n;
      } while (n == BATCH && !Thread.currentThread().isInterrupted());
      if (total > 0) {
        log.debug("{} pruned {} finished tasks", name, total);
      }
    } catch (ErrandException e) {
      log.warn("{} pruning failed: {}", name, e.toString());
    }
    return total;
  }

  public void stop() throws InterruptedException {
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      t.join();
    }
  }
}
