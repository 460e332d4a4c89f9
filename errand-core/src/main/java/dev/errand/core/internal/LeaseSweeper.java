package dev.errand.core.internal;

import dev.errand.core.ErrandListener;
import dev.errand.core.Task;
import dev.errand.core.TaskState;
import dev.errand.core.loop.LoopService;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.SweepResult;
import dev.errand.core.spi.TaskStore;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes back leases that ran out, every {@code interval}, so that a task whose worker vanished (in this
 * process, in another node, or a remote HTTP worker) becomes claimable again, or DEAD on its final attempt,
 * within about one interval instead of staying RUNNING until someone claims its queue. Claims do not rescue
 * expired leases; this is the only path that does, and the store records each lost attempt in the same
 * statement that takes it back.
 *
 * <p>Every started Errand runs one, workers or not. Concurrent sweeps on many nodes are safe: the store
 * fences each lease by state and token, so exactly one sweep takes it, and only that node tells its
 * listener: {@code leaseLost} (then {@code dead} on a final attempt) for a lease that expired,
 * {@code retrying} or {@code dead} for an attempt that outlived its timeout.
 *
 * <p>{@link #sweepOnce} is the unit of work; as a {@link LoopService} it runs once per interval and
 * survives any exception (logged once per run of failures). Internal: not public API.
 */
public final class LeaseSweeper extends LoopService {
  private static final Logger log = LoggerFactory.getLogger(LeaseSweeper.class);
  /** Leases per store call: one short statement even after a mass expiry. */
  static final int BATCH = 500;

  private final TaskStore store;
  private final String name;
  private final ErrandListener listener;
  private final Duration interval;

  public LeaseSweeper(TaskStore store, String name, ErrandListener listener, Duration interval) {
    super(log, name, "lease sweep", "errand-lease-sweeper");
    this.store = store;
    this.name = name;
    this.listener = listener;
    this.interval = interval;
  }

  @Override
  protected boolean runOnce() throws InterruptedException {
    Thread.sleep(interval);
    sweepOnce();
    return true;
  }

  /** Takes back every lease that has run out now and tells the listener; returns how many. */
  public int sweepOnce() {
    int total = 0;
    List<SweepResult.Swept> swept;
    do {
      swept = store.sweepExpiredLeases(new SweepRequest(BATCH)).swept();
      swept.forEach(this::report);
      total += swept.size();
    } while (swept.size() == BATCH && !Thread.currentThread().isInterrupted());
    if (total > 0) {
      log.debug("{} took back {} expired leases", name, total);
    }
    return total;
  }

  private void report(SweepResult.Swept s) {
    Task task = s.task();
    try {
      if (!s.timedOut()) {
        listener.leaseLost(task);
      }
      if (s.state() == TaskState.DEAD) {
        listener.dead(task, s.error());
      } else if (s.timedOut()) {
        listener.retrying(task, s.error(), Duration.ZERO);
      }
    } catch (RuntimeException e) {
      log.warn("{} listener failed on a swept lease of task {}: {}", name, task.id(), e.toString());
    }
  }
}
