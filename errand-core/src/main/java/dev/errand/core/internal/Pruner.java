package dev.errand.core.internal;

import dev.errand.core.ErrandException;
import dev.errand.core.loop.LoopService;
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
public final class Pruner extends LoopService {
  private static final Logger log = LoggerFactory.getLogger(Pruner.class);
  static final int BATCH = 1000;

  private final TaskStore store;
  private final String name;
  private final Clock clock;
  private final Duration retention;
  private final Duration interval;

  public Pruner(TaskStore store, String name, Clock clock, Duration retention, Duration interval) {
    super(log, name, "pruning", "errand-pruner");
    this.store = store;
    this.name = name;
    this.clock = clock;
    this.retention = retention;
    this.interval = interval;
  }

  @Override
  protected boolean runOnce() throws InterruptedException {
    Thread.sleep(interval);
    prune();
    return true;
  }

  /** Deletes everything past retention now; returns how many tasks went. */
  public int pruneOnce() {
    try {
      return prune();
    } catch (ErrandException e) {
      log.warn("{} pruning failed: {}", name, e.toString());
      return 0;
    }
  }

  private int prune() {
    PruneRequest request = new PruneRequest(clock.instant().minus(retention), BATCH);
    int total = 0;
    int n;
    do {
      n = store.prune(request);
      total += n;
    } while (n == BATCH && !Thread.currentThread().isInterrupted());
    if (total > 0) {
      log.debug("{} pruned {} finished tasks", name, total);
    }
    return total;
  }
}
