package dev.errand.server.internal;

import dev.errand.core.AttemptError;
import dev.errand.core.spi.DeadGroupStore;
import dev.errand.core.StoreUnreachableException;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.spi.CancelRequest;
import dev.errand.core.spi.CancelResult;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.ClaimResult;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.CompleteResult;
import dev.errand.core.spi.DeadFilter;
import dev.errand.core.spi.DuePage;
import dev.errand.core.spi.DueQuery;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.PruneRequest;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.QueueLimitStore;
import dev.errand.core.spi.QueueLimitsRequest;
import dev.errand.core.spi.QueuePauseRequest;
import dev.errand.core.spi.RunNowRequest;
import dev.errand.core.spi.SchedulePutRequest;
import dev.errand.core.spi.ScheduleStore;
import dev.errand.core.spi.StoredSchedule;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.SweepResult;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A circuit breaker in front of a store. While the store answers, calls pass through. When a call finds
 * the store unreachable ({@link StoreUnreachableException}: no connection could be had, or one broke), the
 * circuit opens: every call then fails at once with a StoreUnreachableException, without touching the
 * store or its pool, so the server answers 503 in a millisecond instead of after the pool's connection
 * timeout, and readiness says "not ready" as fast. A probe pings the store every {@link #PROBE_EVERY}
 * meanwhile, and its first success closes the circuit.
 *
 * <p>Other failures (a statement the store refused, a full disk, damaged data) leave the circuit closed:
 * they say nothing about whether the store can be reached. A call that started before the circuit last
 * closed and fails late (it waited out the pool's timeout) does not open it again, so requests that
 * queued in the outage do not undo a recovery.
 *
 * <p>Wrapping hides no power: stored schedules and flow limits are guarded like the calls here, every
 * other power (the wake-up, joining a caller's JDBC transaction) is the store's own. Thread-safe; the
 * probe runs on one virtual thread while the circuit is open, and {@link #close} ends it.
 */
public final class StoreCircuit implements TaskStore {
  /** How often the probe pings while the circuit is open: a recovery shows within about this long. */
  public static final Duration PROBE_EVERY = Duration.ofMillis(500);
  private static final Logger log = LoggerFactory.getLogger(StoreCircuit.class);

  /** Why and since when the circuit is open. */
  private record Open(long sinceNanos, String cause) {}

  private final TaskStore store;
  private final Duration probeEvery;
  private final AtomicReference<Open> open = new AtomicReference<>(); // null while closed
  private final Map<Class<?>, Object> guardedPowers = new HashMap<>(); // read-only once built
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition stop = lock.newCondition();
  private volatile long closedAtNanos = System.nanoTime();
  private volatile boolean closed;

  private StoreCircuit(TaskStore store, Duration probeEvery) {
    this.store = store;
    this.probeEvery = probeEvery;
    store.capability(ScheduleStore.class).ifPresent(s -> guardedPowers.put(ScheduleStore.class, new GuardedSchedules(s)));
    store.capability(QueueLimitStore.class).ifPresent(l -> guardedPowers.put(QueueLimitStore.class, new GuardedLimits(l)));
    store.capability(DeadGroupStore.class).ifPresent(d ->
        guardedPowers.put(DeadGroupStore.class, (DeadGroupStore) query -> call(() -> d.deadGroups(query))));
  }

  /** {@code store} behind a circuit probed every {@link #PROBE_EVERY}. */
  public static StoreCircuit around(TaskStore store) {
    return new StoreCircuit(store, PROBE_EVERY);
  }

  /** True while the store is known to be unreachable. */
  public boolean isOpen() {
    return open.get() != null;
  }

  @Override
  public <T> Optional<T> capability(Class<T> type) {
    Object guarded = guardedPowers.get(type);
    if (guarded != null) {
      return Optional.of(type.cast(guarded));
    }
    return type.isInstance(this) ? Optional.of(type.cast(this)) : store.capability(type);
  }

  private <T> T call(Supplier<T> call) {
    Open o = open.get();
    if (o != null) {
      throw new StoreUnreachableException(store.name() + " is unreachable (for "
          + Duration.ofNanos(System.nanoTime() - o.sinceNanos()).toMillis() + " ms; answering at once until a probe"
          + " gets through): " + o.cause(), null);
    }
    long started = System.nanoTime();
    try {
      return call.get();
    } catch (StoreUnreachableException e) {
      open(e.getMessage(), started);
      throw e;
    }
  }

  private void run(Runnable call) {
    call(() -> {
      call.run();
      return null;
    });
  }

  /** Opens the circuit for a call that started at {@code started}, unless the circuit closed after that. */
  private void open(String cause, long started) {
    if (closed || started - closedAtNanos < 0) {
      return;
    }
    if (open.compareAndSet(null, new Open(System.nanoTime(), cause))) {
      log.warn("{}: store unreachable, answering 503 at once until a probe every {} ms gets through: {}",
          store.name(), probeEvery.toMillis(), cause);
      Thread.ofVirtual().name("errand-store-probe").start(this::probe);
    }
  }

  private void probe() {
    int tries = 0;
    while (!closed) {
      if (!sleep()) {
        return;
      }
      tries++;
      try {
        store.ping();
      } catch (RuntimeException e) {
        continue; // still away
      }
      Open was = open.getAndSet(null);
      closedAtNanos = System.nanoTime();
      if (was != null) {
        log.info("{}: store answers again after {} ms ({} probes); circuit closed", store.name(),
            Duration.ofNanos(closedAtNanos - was.sinceNanos()).toMillis(), tries);
      }
      return;
    }
  }

  /** Waits one probe interval; false if the circuit was closed for good meanwhile. */
  private boolean sleep() {
    lock.lock();
    try {
      long left = probeEvery.toNanos();
      while (left > 0 && !closed) {
        left = stop.awaitNanos(left);
      }
      return !closed;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  @Override public String name() { return store.name(); }
  @Override public InsertResult insertMany(InsertRequest r) { return call(() -> store.insertMany(r)); }
  @Override public ClaimResult claim(ClaimRequest r) { return call(() -> store.claim(r)); }
  @Override public ExtendResult extendMany(ExtendRequest r) { return call(() -> store.extendMany(r)); }
  @Override public CompleteResult completeMany(CompleteRequest r) { return call(() -> store.completeMany(r)); }
  @Override public SweepResult sweepExpiredLeases(SweepRequest r) { return call(() -> store.sweepExpiredLeases(r)); }
  @Override public CancelResult cancel(CancelRequest r) { return call(() -> store.cancel(r)); }
  @Override public Optional<Task> get(TaskId id) { return call(() -> store.get(id)); }
  @Override public List<AttemptError> errors(TaskId id) { return call(() -> store.errors(id)); }
  @Override public TaskPage list(TaskQuery q) { return call(() -> store.list(q)); }
  @Override public DuePage listDue(DueQuery q) { return call(() -> store.listDue(q)); }
  @Override public List<QueueInfo> queues() { return call(store::queues); }
  @Override public void pauseQueue(QueuePauseRequest r) { run(() -> store.pauseQueue(r)); }
  @Override public int replayDead(DeadFilter f) { return call(() -> store.replayDead(f)); }
  @Override public int runNow(RunNowRequest r) { return call(() -> store.runNow(r)); }
  @Override public int purgeDead(DeadFilter f) { return call(() -> store.purgeDead(f)); }
  @Override public int prune(PruneRequest r) { return call(() -> store.prune(r)); }
  @Override public void ping() { run(store::ping); }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      stop.signalAll();
    } finally {
      lock.unlock();
    }
    store.close();
  }

  private final class GuardedSchedules implements ScheduleStore {
    private final ScheduleStore schedules;

    GuardedSchedules(ScheduleStore schedules) {
      this.schedules = schedules;
    }

    @Override public StoredSchedule putSchedule(SchedulePutRequest r) { return call(() -> schedules.putSchedule(r)); }
    @Override public boolean deleteSchedule(String name) { return call(() -> schedules.deleteSchedule(name)); }
    @Override public List<StoredSchedule> storedSchedules() { return call(schedules::storedSchedules); }
  }

  private final class GuardedLimits implements QueueLimitStore {
    private final QueueLimitStore limits;

    GuardedLimits(QueueLimitStore limits) {
      this.limits = limits;
    }

    @Override public void limitQueue(QueueLimitsRequest r) { run(() -> limits.limitQueue(r)); }
  }
}
