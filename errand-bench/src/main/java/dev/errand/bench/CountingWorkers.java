package dev.errand.bench;

import dev.errand.core.Errand;
import dev.errand.core.ErrandListener;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.spi.TaskStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An Errand on the run's store with one no-op handler that records each task it runs in the
 * {@link Ledger}, and a listener that timestamps the first claim and each durable completion. Before
 * {@link #start()} it is a plain client for enqueueing.
 *
 * <p>Timestamps are {@link System#nanoTime()}. Per-task start and completion times are kept only when
 * asked for (the latency scenario), in arrays indexed by ledger position, each slot written by one
 * thread and read after {@link #awaitAll} has seen every completion.
 */
final class CountingWorkers {
  static final String TYPE = "bench_noop";
  static final String QUEUE = TaskSpec.DEFAULT_QUEUE;

  private final TaskStore store;
  private final Ledger ledger;
  private final Errand errand;
  private final long[] startNanos;
  private final long[] completeNanos;
  private final AtomicLong firstClaimNanos = new AtomicLong();
  private final AtomicInteger succeeded = new AtomicInteger();
  private final AtomicReference<String> failure = new AtomicReference<>();
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile long lastCompletionNanos;

  CountingWorkers(TaskStore store, Ledger ledger, BenchSettings settings, boolean perTaskTimes) {
    this.store = store;
    this.ledger = ledger;
    this.startNanos = perTaskTimes ? new long[ledger.size()] : null;
    this.completeNanos = perTaskTimes ? new long[ledger.size()] : null;
    this.errand = Errand.builder()
        .store(store)
        .queue(QUEUE, settings.concurrency())
        .maxClaimBatch(settings.claimBatch())
        .shutdownGrace(Duration.ofSeconds(5))
        .listener(new Listener())
        .build();
    errand.handle(TYPE, Json.class, (task, payload) -> {
      int i = ledger.record(task.id());
      if (startNanos != null && i >= 0) {
        startNanos[i] = System.nanoTime();
      }
      return null;
    });
  }

  Errand errand() {
    return errand;
  }

  /** A spec for the ledger's {@code i}th task. */
  TaskSpec spec(int i, Json payload) {
    return TaskSpec.builder(TYPE).id(ledger.id(i)).payload(payload).build();
  }

  /** Enqueues ledger positions {@code from} (inclusive) to {@code to} in batches of {@code batch}. */
  void enqueueRange(int from, int to, int batch, Json payload) {
    for (int i = from; i < to; i += batch) {
      int end = Math.min(to, i + batch);
      List<TaskSpec> specs = new ArrayList<>(end - i);
      for (int j = i; j < end; j++) {
        specs.add(spec(j, payload));
      }
      errand.enqueueMany(specs);
    }
  }

  void start() {
    errand.start();
  }

  /**
   * Waits until every ledger task has a durable completion; throws if a task failed, lost its lease,
   * or {@code timeout} passed first.
   */
  private void awaitAll(Duration timeout) throws InterruptedException {
    boolean finished = done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    String why = failure.get();
    if (why != null) {
      throw new CorrectnessException(why);
    }
    if (!finished) {
      throw new CorrectnessException("only " + succeeded.get() + " of " + ledger.size()
          + " tasks completed within " + timeout);
    }
  }

  /**
   * {@link #awaitAll}, then runs {@code whenAllDone} (to read counters before shutdown adds its own
   * work), then stops the workers (the store stays open) and runs the exactly-once check against the
   * store. The workers are stopped whatever happens.
   */
  void finish(Duration timeout, Runnable whenAllDone) throws InterruptedException {
    try {
      awaitAll(timeout);
      whenAllDone.run();
    } catch (RuntimeException | InterruptedException e) {
      errand.stop();
      throw e;
    }
    stopAndVerify();
  }

  private void stopAndVerify() {
    errand.stop();
    ledger.verify("SUCCEEDED", StoreCounts.count(store, QUEUE, TaskState.SUCCEEDED));
    long total = StoreCounts.total(store, QUEUE);
    if (total != ledger.size()) {
      throw new CorrectnessException("the store holds " + total + " tasks, expected " + ledger.size());
    }
  }

  int succeeded() {
    return succeeded.get();
  }

  long firstClaimNanos() {
    return firstClaimNanos.get();
  }

  long lastCompletionNanos() {
    return lastCompletionNanos;
  }

  long startNanos(int i) {
    return startNanos[i];
  }

  long completeNanos(int i) {
    return completeNanos[i];
  }

  private void fail(String why) {
    failure.compareAndSet(null, why);
    done.countDown();
  }

  /** Fast and non-throwing, as listeners must be: a few atomics per task. */
  private final class Listener implements ErrandListener {
    @Override
    public void claimed(Task task) {
      if (firstClaimNanos.get() == 0) {
        firstClaimNanos.compareAndSet(0, System.nanoTime());
      }
    }

    @Override
    public void succeeded(Task task, Duration runTime) {
      long now = System.nanoTime();
      if (completeNanos != null) {
        int i = ledger.indexOf(task.id());
        if (i >= 0) {
          completeNanos[i] = now;
        }
      }
      if (succeeded.incrementAndGet() == ledger.size()) {
        lastCompletionNanos = now;
        done.countDown();
      }
    }

    @Override
    public void retrying(Task task, String error, Duration retryIn) {
      fail("task " + task.id() + " failed and will retry: " + error);
    }

    @Override
    public void dead(Task task, String error) {
      fail("task " + task.id() + " went to the dead-letter queue: " + error);
    }

    @Override
    public void leaseLost(Task task) {
      fail("a worker lost the lease of task " + task.id());
    }
  }
}
