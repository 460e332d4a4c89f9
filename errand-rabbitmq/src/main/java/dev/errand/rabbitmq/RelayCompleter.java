package dev.errand.rabbitmq;

import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.TaskStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;

/**
 * Writes a relay loop's outcomes on its own virtual thread, so that the loop claims and publishes the
 * next batch while the store writes the last one: whatever the broker has settled since the last write
 * goes in one {@code completeMany} (at most {@link Checks#MAX_BATCH}). A failed write is retried with
 * backoff (50 ms doubling to 2 s) while the leases last; an outcome whose lease has run out is dropped
 * with a warning, since its task is claimed and published again anyway (the guarantee allows it). The
 * confirm callbacks add, the loop reads {@link #backlog} to stop claiming while the store lags behind.
 * Internal.
 */
final class RelayCompleter {
  private static final long FIRST_BACKOFF_MILLIS = 50;
  private static final long MAX_BACKOFF_MILLIS = 2000;

  private final TaskStore store;
  private final Logger log;
  private final String name;
  private final LinkedBlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
  /** Outcomes added and not yet written (or dropped): the queue and the write in progress. */
  private final AtomicInteger backlog = new AtomicInteger();
  /** Notified after each write, for {@link #awaitBacklogBelow}. */
  private final Object written = new Object();
  private volatile boolean closing;
  private Thread thread;

  /** An outcome and the time its lease runs out (System.nanoTime scale), after which writing it is pointless. */
  record Outcome(Completion completion, long giveUpAtNanos) {}

  RelayCompleter(TaskStore store, Logger log, String name) {
    this.store = store;
    this.log = log;
    this.name = name;
  }

  void start() {
    thread = Thread.ofVirtual().name(name + "-completer").start(this::run);
  }

  /** Thread-safe, never blocks. */
  void add(Completion completion, long giveUpAtNanos) {
    backlog.incrementAndGet();
    outcomes.add(new Outcome(completion, giveUpAtNanos));
  }

  int backlog() {
    return backlog.get();
  }

  /** Waits until fewer than {@code limit} outcomes are unwritten, or {@code timeout} has passed. */
  void awaitBacklogBelow(int limit, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (written) {
      long left;
      while (backlog.get() >= limit && (left = deadline - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(written, left);
      }
    }
  }

  /**
   * Writes what was added and stops, waiting until {@code grace}: a write that still fails by then is
   * given up (the tasks' leases run out and they are published again).
   */
  void close(Duration grace) throws InterruptedException {
    closing = true;
    Thread t = thread;
    if (t != null && !t.join(grace)) {
      t.interrupt();
      t.join(Duration.ofSeconds(1));
    }
  }

  private void run() {
    List<Outcome> batch = new ArrayList<>();
    while (!closing || !outcomes.isEmpty()) {
      try {
        Outcome first = outcomes.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        outcomes.drainTo(batch, Checks.MAX_BATCH - 1);
        write(batch);
      } catch (InterruptedException e) {
        if (closing) {
          return;
        }
      } finally {
        backlog.addAndGet(-batch.size());
        batch.clear();
        synchronized (written) {
          written.notifyAll();
        }
      }
    }
  }

  private void write(List<Outcome> batch) throws InterruptedException {
    long backoffMillis = FIRST_BACKOFF_MILLIS;
    while (true) {
      List<Completion> completions = new ArrayList<>(batch.size());
      batch.forEach(o -> completions.add(o.completion()));
      try {
        store.completeMany(new CompleteRequest(completions));
        return;
      } catch (RuntimeException e) {
        long next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis);
        int before = batch.size();
        batch.removeIf(o -> closing || o.giveUpAtNanos() < next);
        if (batch.size() < before) {
          log.warn("{} could not complete {} published messages; they will be published again: {}",
              name, before - batch.size(), e.toString());
          backlog.addAndGet(batch.size() - before);
        }
        if (batch.isEmpty()) {
          return;
        }
        Thread.sleep(backoffMillis);
        backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
      }
    }
  }
}
