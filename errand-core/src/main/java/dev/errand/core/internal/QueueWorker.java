package dev.errand.core.internal;

import dev.errand.core.Task;
import dev.errand.core.loop.LoopService;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.ClaimResult;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WaitRequest;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims tasks of one queue as slots free up and hands them to the runtime. It never claims more than
 * its free slots: a slot is taken before the claim and given back for every task the claim did not get.
 * When the queue is empty it waits on the store's signal, polling only as the fallback; so it does too
 * after a claim the store says took all there was ({@link ClaimResult#drained}).
 *
 * <p>While the queue has a backlog (the last claim got all it asked for), it waits up to 2 ms
 * ({@link #LINGER_NANOS}) for a full batch of free slots before claiming again. A claim has a fixed
 * cost in the store (a round trip, a commit, the look for due tasks), and with short
 * tasks slots free up one by one: claiming at the first free slot made claims of half a batch on
 * average in a drain, which doubled that cost per task. The wait is short enough that slots of long
 * tasks hardly idle (at most 2 ms per claim), and after a short or empty claim the next one is sent at
 * the first free slot (or, after a drained one, at the first wake-up), so a task enqueued into idle
 * workers is not delayed.
 *
 * <p>A claim that fails (a store outage, or anything a store wrapper throws) gives its slots back and is
 * retried after the service's backoff; see {@link LoopService}.
 */
final class QueueWorker extends LoopService {
  private static final Logger log = LoggerFactory.getLogger(QueueWorker.class);
  /** The longest wait for a full batch of free slots while the queue has a backlog: 2 ms. */
  private static final long LINGER_NANOS = 2_000_000;

  private final WorkerRuntime runtime;
  private final TaskStore store;
  private final Slots slots;
  private final int maxBatch;
  private final int fullBatch;
  private final ClaimRequestFactory requests;
  private final WaitRequest idleWait;
  private boolean backlog; // the loop's thread only
  private final IdleWait idle;
  /** True while the loop waits for work after a claim that took all there was; read by enqueues. */
  private volatile boolean waiting;

  /** Claim requests differ only in size. */
  interface ClaimRequestFactory {
    ClaimRequest of(int limit);
  }

  QueueWorker(WorkerRuntime runtime, TaskStore store, String queue, int concurrency, int maxBatch,
      ClaimRequestFactory requests, WaitRequest idleWait) {
    super(log, runtime.name() + "[" + queue + "]", "claim", "errand-queue-" + queue);
    this.runtime = runtime;
    this.store = store;
    this.slots = new Slots(concurrency);
    this.maxBatch = maxBatch;
    this.fullBatch = Math.min(maxBatch, concurrency);
    this.requests = requests;
    this.idleWait = idleWait;
    this.idle = IdleWait.on(store);
  }

  /** One claim, and the wait for work after an empty one. A failed claim gives its slots back. */
  @Override
  protected boolean runOnce() throws InterruptedException {
    if (stopping()) {
      return false;
    }
    int taken = takeSlots(backlog);
    ClaimResult claimed;
    try {
      claimed = store.claim(requests.of(taken));
    } catch (RuntimeException | Error e) {
      slots.release(taken);
      backlog = false;
      throw e;
    }
    List<Task> tasks = claimed.tasks();
    backlog = tasks.size() == taken;
    if (tasks.size() < taken) {
      slots.release(taken - tasks.size());
    }
    for (Task task : tasks) {
      runtime.dispatch(task, slots);
    }
    // A claim that took all there was needs no empty claim after it to learn so (one statement fewer per
    // task when tasks come one at a time, and no claim in flight when the next one arrives).
    if ((tasks.isEmpty() || claimed.drained()) && !stopping()) {
      waiting = true;
      try {
        idle.await(idleWait);
      } finally {
        waiting = false;
      }
    }
    return true;
  }

  /** True while this worker found its queue drained and waits for work: a new task may go straight to it. */
  boolean waiting() {
    return waiting;
  }

  Slots slots() {
    return slots;
  }

  /** Takes the slots for the next claim: a full batch if one frees up soon while there is a backlog, else at least one. */
  private int takeSlots(boolean backlog) throws InterruptedException {
    if (backlog) {
      int taken = slots.take(fullBatch, maxBatch, LINGER_NANOS);
      if (taken > 0) {
        return taken;
      }
    }
    return slots.take(maxBatch);
  }
}
