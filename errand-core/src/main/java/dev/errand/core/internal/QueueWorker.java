package dev.errand.core.internal;

import dev.errand.core.ErrandException;
import dev.errand.core.Task;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WaitRequest;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims tasks of one queue as slots free up and hands them to the runtime. It never claims more than
 * its free slots: a slot is taken before the claim and given back for every task the claim did not get.
 * When the queue is empty it waits on the store's signal, polling only as the fallback.
 */
final class QueueWorker implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(QueueWorker.class);

  private final WorkerRuntime runtime;
  private final TaskStore store;
  private final String queue;
  private final Semaphore slots;
  private final int maxBatch;
  private final ClaimRequestFactory requests;
  private final WaitRequest idleWait;
  private volatile boolean stopping;

  /** Claim requests differ only in size. */
  interface ClaimRequestFactory {
    ClaimRequest of(int limit);
  }

  QueueWorker(WorkerRuntime runtime, TaskStore store, String queue, int concurrency, int maxBatch,
      ClaimRequestFactory requests, WaitRequest idleWait) {
    this.runtime = runtime;
    this.store = store;
    this.queue = queue;
    this.slots = new Semaphore(concurrency);
    this.maxBatch = maxBatch;
    this.requests = requests;
    this.idleWait = idleWait;
  }

  void stop() {
    stopping = true;
  }

  @Override
  public void run() {
    long backoffMillis = 0;
    try {
      while (!stopping) {
        slots.acquire();
        int taken = 1 + takeMore();
        List<Task> tasks;
        try {
          tasks = store.claim(requests.of(taken)).tasks();
        } catch (ErrandException e) {
          slots.release(taken);
          backoffMillis = backoffMillis == 0 ? 100 : Math.min(backoffMillis * 2, 5_000);
          log.warn("{}[{}] claim failed, retrying in {} ms: {}", runtime.name(), queue, backoffMillis, e.toString());
          Thread.sleep(backoffMillis);
          continue;
        }
        backoffMillis = 0;
        if (tasks.size() < taken) {
          slots.release(taken - tasks.size());
        }
        for (Task task : tasks) {
          runtime.dispatch(task, slots);
        }
        if (tasks.isEmpty() && !stopping) {
          store.awaitWork(idleWait);
        }
      }
    } catch (InterruptedException e) {
      // stop() interrupts a worker blocked in a wait; nothing is held here then.
    }
  }

  private int takeMore() {
    int more = Math.min(slots.availablePermits(), maxBatch - 1);
    return more > 0 && slots.tryAcquire(more) ? more : 0;
  }
}
