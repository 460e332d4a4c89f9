package dev.errand.core.internal;

import dev.errand.core.TaskId;
import dev.errand.core.loop.LoopService;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.CompleteResult;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.TaskStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers completions and writes them in batches: one store call for up to {@code batchSize}
 * completions, written as soon as the previous write ends or after {@code flushDelay} gathering more.
 * Under load a batch fills while the previous write runs, so the store sees few large writes; at idle
 * a completion waits at most {@code flushDelay}. When the store fails, the batch is kept and retried
 * with backoff; when the buffer holds {@code 8 * batchSize}, submitters wait (backpressure), so memory
 * stays bounded during an outage. {@link #stop} writes what is left.
 *
 * <p>Anything the store throws, an {@code ErrandException} or not (a wrapper's
 * {@code IllegalStateException}, say), is an outage: the batch goes back to the front of the buffer and
 * is written again after the service's backoff; see {@link LoopService}.
 */
final class BatchCompleter extends LoopService {
  private static final Logger log = LoggerFactory.getLogger(BatchCompleter.class);

  /** A completion and the run it ends. */
  record Pending(Execution execution, Completion completion) {}

  private final TaskStore store;
  private final String name;
  private final int batchSize;
  private final long flushDelayNanos;
  private final int maxBuffered;
  private final Finished finished;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition hasWork = lock.newCondition();
  private final Condition batchFull = lock.newCondition();
  private final Condition hasRoom = lock.newCondition();
  private final ArrayDeque<Pending> buffer = new ArrayDeque<>();

  /** Told about each completion once the store has it, or refused it as stale. */
  interface Finished {
    void written(Pending pending, boolean stale);
  }

  BatchCompleter(TaskStore store, String name, int batchSize, Duration flushDelay, Finished finished) {
    super(log, name, "writing completions", "errand-completer-" + name);
    this.store = store;
    this.name = name;
    this.batchSize = batchSize;
    this.flushDelayNanos = flushDelay.toNanos();
    this.maxBuffered = batchSize * 8;
    this.finished = finished;
  }

  void submit(Pending pending) {
    lock.lock();
    try {
      while (buffer.size() >= maxBuffered && !stopping()) {
        hasRoom.awaitUninterruptibly();
      }
      buffer.add(pending);
      if (buffer.size() == 1) {
        hasWork.signal();
      }
      if (buffer.size() >= batchSize) {
        batchFull.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** One batch written, or put back to be written after the backoff if the store fails. */
  @Override
  protected boolean runOnce() {
    List<Pending> batch = take();
    if (batch == null) {
      return false;
    }
    try {
      write(batch);
    } catch (RuntimeException | Error e) {
      putBack(batch);
      throw e;
    }
    return true;
  }

  /** The next batch, or null when stopping with nothing left. */
  private List<Pending> take() {
    lock.lock();
    try {
      while (buffer.isEmpty()) {
        if (stopping()) {
          return null;
        }
        hasWork.awaitUninterruptibly();
      }
      if (buffer.size() < batchSize && flushDelayNanos > 0 && !stopping()) {
        try {
          batchFull.awaitNanos(flushDelayNanos);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      List<Pending> batch = new ArrayList<>(Math.min(buffer.size(), batchSize));
      while (batch.size() < batchSize && !buffer.isEmpty()) {
        batch.add(buffer.poll());
      }
      hasRoom.signalAll();
      return batch;
    } finally {
      lock.unlock();
    }
  }

  private void write(List<Pending> batch) {
    List<Completion> completions = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      completions.add(p.completion());
    }
    CompleteResult result = store.completeMany(new CompleteRequest(completions));
    Set<TaskId> stale = result.stale().isEmpty() ? Set.of() : new HashSet<>(result.stale());
    for (Pending p : batch) {
      finished.written(p, stale.contains(p.completion().id()));
    }
  }

  private void putBack(List<Pending> batch) {
    lock.lock();
    try {
      for (int i = batch.size() - 1; i >= 0; i--) {
        buffer.addFirst(batch.get(i));
      }
    } finally {
      lock.unlock();
    }
  }

  /** Wakes the writer so it writes what is left without waiting; it is not interrupted until the deadline. */
  @Override
  protected void wakeToStop() {
    lock.lock();
    try {
      hasWork.signalAll();
      batchFull.signalAll();
      hasRoom.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Writes what is buffered, trying until {@code deadlineNanos}; whatever cannot be written by then is
   * left to lease expiry (the tasks run again later, which at-least-once allows).
   */
  @Override
  public void stop(long deadlineNanos) throws InterruptedException {
    super.stop(deadlineNanos);
    lock.lock();
    try {
      if (!buffer.isEmpty()) {
        log.warn("{} stopped with {} completions unwritten; their tasks run again when their leases expire",
            name, buffer.size());
      }
    } finally {
      lock.unlock();
    }
  }
}
