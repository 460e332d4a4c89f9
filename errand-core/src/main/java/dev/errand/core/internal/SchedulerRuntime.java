package dev.errand.core.internal;

import dev.errand.core.Enqueued;
import dev.errand.core.TaskSpec;
import dev.errand.core.schedule.MissedTickPolicy;
import dev.errand.core.schedule.Schedule;
import dev.errand.core.schedule.ScheduleInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an Errand's schedules: one virtual thread evaluates every enabled schedule, enqueues each due
 * tick's task with the tick's deterministic idempotency key and runAt = the tick, then sleeps until the
 * earliest next tick (or until a schedule is registered or removed).
 *
 * <p><b>Exactly one task per tick, without a leader.</b> Every node running a schedule computes the same
 * tick instants and the same key for each; the store keeps one task per key, and a repeat returns the
 * existing task. So any number of nodes may evaluate the same schedule, and a node retrying after an
 * error cannot duplicate a tick. This holds while the tick's task is still held by the store, which is
 * why no tick older than the retention is ever enqueued (finished tasks are pruned after it).
 *
 * <p><b>Which ticks a pass enqueues.</b> Per schedule, a node keeps one watermark: every tick at or
 * before it is not this node's to enqueue any more. The first pass after the schedule is registered sets
 * it just before the last tick at or before now, so a node that starts fires the tick due now, not every
 * tick of its tolerance window. Then each pass enqueues every tick after the watermark that is in
 * {@code [now - tolerance, now]} (the schedule's {@link Schedule#tolerance()}), and moves the watermark
 * to the latest tick it stored. A store error moves nothing: it is logged and the pass retried with
 * backoff, so no tick is lost to a transient error while it is within the tolerance. Ticks older than the
 * tolerance are missed: {@link MissedTickPolicy#SKIP} drops them; {@link MissedTickPolicy#CATCH_UP_ONE}
 * enqueues the latest of them (the last tick at or before now) if it is after the watermark and newer
 * than the retention. Replacing a schedule starts it afresh.
 *
 * <p>Thread-safe, except that {@link #evaluate()} is called by one thread at a time (the scheduler's own,
 * or a test's when the runtime is not started). Internal: not public API.
 */
public final class SchedulerRuntime {
  private static final Logger log = LoggerFactory.getLogger(SchedulerRuntime.class);
  // Re-read the clock at least this often, so a step of the wall clock cannot make it sleep through ticks.
  private static final Duration MAX_SLEEP = Duration.ofSeconds(30);
  private static final Duration MIN_SLEEP = Duration.ofMillis(1);
  // Retries stay well inside the default 10 s tolerance: a store that is back within seconds loses no tick.
  private static final Duration RETRY_FIRST = Duration.ofMillis(100);
  private static final Duration RETRY_MAX = Duration.ofSeconds(1);
  // During an outage, one WARN per this many failed passes (the first always), not one per second.
  private static final int WARN_EVERY = 30;
  private static final int ENQUEUE_BATCH = 500;

  private final String name;
  private final Clock clock;
  private final Duration retention;
  private final Function<List<TaskSpec>, List<Enqueued>> enqueuer;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private boolean dirty; // guarded by lock: set when the schedules change, so the loop does not sleep on
  private volatile boolean stopping;
  private volatile Thread thread;

  /**
   * @param name the Errand's name, which starts every log line
   * @param retention the Errand's retention: ticks older than this are never enqueued
   * @param enqueuer enqueues specs in one store call, as {@code Errand#enqueueMany} does
   */
  public SchedulerRuntime(String name, Clock clock, Duration retention,
      Function<List<TaskSpec>, List<Enqueued>> enqueuer) {
    this.name = name;
    this.clock = clock;
    this.retention = retention;
    this.enqueuer = enqueuer;
  }

  /** A registered schedule and its watermark (see the class comment); null until its first pass. */
  private static final class Entry {
    final Schedule schedule;
    // Written and read only by the evaluating thread; volatile since that thread may change between starts.
    volatile Instant doneThrough;

    Entry(Schedule schedule) {
      this.schedule = schedule;
    }
  }

  /** Adds {@code schedule}, replacing any of the same name, and wakes the loop to evaluate it. */
  public void register(Schedule schedule) {
    if (schedule.tolerance().compareTo(retention) >= 0) {
      // A tick's task could be pruned while the tick is still enqueueable, and then enqueued again.
      throw new IllegalArgumentException("tolerance of schedule " + schedule.name() + " must be shorter than "
          + "the retention " + retention + ": " + schedule.tolerance());
    }
    entries.put(schedule.name(), new Entry(schedule));
    log.debug("{} schedule registered: {}", name, schedule);
    wake();
  }

  /** Removes the schedule named {@code scheduleName}; returns whether there was one. */
  public boolean remove(String scheduleName) {
    boolean removed = entries.remove(scheduleName) != null;
    if (removed) {
      log.debug("{} schedule {} removed", name, scheduleName);
      wake();
    }
    return removed;
  }

  /** Every registered schedule, by name, with its next and last tick as of now. */
  public List<ScheduleInfo> list() {
    Instant now = clock.instant();
    List<ScheduleInfo> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      Schedule s = e.schedule;
      Instant next = s.enabled() ? s.nextTick(now).orElse(null) : null;
      out.add(new ScheduleInfo(s, next, s.lastTick(now).orElse(null)));
    }
    out.sort(Comparator.comparing(ScheduleInfo::name));
    return out;
  }

  public void start() {
    thread = Thread.ofVirtual().name("errand-scheduler").start(this::loop);
    log.info("{} scheduler started: {} schedules", name, entries.size());
  }

  /** Stops the loop; a pass under way finishes its store call first. */
  public void stop() {
    Thread t = thread;
    if (t == null || stopping) {
      return;
    }
    stopping = true;
    wake();
    try {
      if (!t.join(Duration.ofSeconds(5))) {
        t.interrupt(); // a store call that hangs must not hang shutdown
        t.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("{} scheduler stopped", name);
  }

  private void loop() {
    Duration retry = RETRY_FIRST;
    int failures = 0;
    while (!stopping) {
      Instant wakeAt;
      try {
        wakeAt = evaluate();
        if (failures > 0) {
          log.info("{} schedule ticks enqueued again after {} failed passes", name, failures);
        }
        failures = 0;
        retry = RETRY_FIRST;
      } catch (RuntimeException e) {
        if (stopping) {
          break;
        }
        // Nothing was marked done, so the next pass enqueues the same ticks while they are within tolerance.
        if (failures++ % WARN_EVERY == 0) {
          log.warn("{} enqueueing schedule ticks failed ({} in a row), retrying: {}", name, failures, e.toString());
        }
        wakeAt = clock.instant().plus(retry);
        retry = min(retry.multipliedBy(2), RETRY_MAX);
      }
      try {
        sleepUntil(wakeAt);
      } catch (InterruptedException e) {
        break;
      }
    }
  }

  /**
   * One pass: enqueues every due tick of every enabled schedule and returns when the next tick is due.
   * Throws whatever the store throws, having marked nothing done that was not stored.
   */
  public Instant evaluate() {
    Instant now = clock.instant();
    Instant wakeAt = now.plus(MAX_SLEEP);
    List<Entry> owners = new ArrayList<>();
    List<Instant> ticks = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (!e.schedule.enabled()) {
        continue;
      }
      for (Instant tick : dueTicks(e, now)) {
        owners.add(e);
        ticks.add(tick);
      }
      Optional<Instant> next = e.schedule.nextTick(now);
      if (next.isPresent() && next.get().isBefore(wakeAt)) {
        wakeAt = next.get();
      }
    }
    for (int from = 0; from < ticks.size(); from += ENQUEUE_BATCH) {
      int to = Math.min(ticks.size(), from + ENQUEUE_BATCH);
      List<TaskSpec> specs = new ArrayList<>(to - from);
      for (int i = from; i < to; i++) {
        specs.add(owners.get(i).schedule.taskFor(ticks.get(i)));
      }
      List<Enqueued> results = enqueuer.apply(specs);
      for (int i = from; i < to; i++) {
        // Created, or already there (from another node, or with the spec a replaced schedule had): done.
        Entry e = owners.get(i);
        Instant tick = ticks.get(i);
        if (tick.isAfter(e.doneThrough)) {
          e.doneThrough = tick;
        }
        Enqueued r = results.get(i - from);
        if (r.created() && log.isDebugEnabled()) {
          log.debug("{} schedule {} tick {} enqueued as task {}", name, e.schedule.name(), tick, r.id());
        }
      }
    }
    return wakeAt;
  }

  /** The ticks of {@code e} this pass enqueues, oldest first; see the class comment. */
  private List<Instant> dueTicks(Entry e, Instant now) {
    Schedule s = e.schedule;
    if (e.doneThrough == null) {
      e.doneThrough = s.lastTick(now).map(t -> t.minusNanos(1)).orElse(now);
    }
    Instant done = e.doneThrough;
    Instant windowStart = now.minus(s.tolerance());
    Instant after = done.isBefore(windowStart) ? windowStart.minusNanos(1) : done;
    List<Instant> due = new ArrayList<>();
    // Bounded: ticks are at least a second apart and the tolerance at most Schedule.MAX_TOLERANCE.
    for (Optional<Instant> t = s.nextTick(after); t.isPresent() && !t.get().isAfter(now); t = s.nextTick(t.get())) {
      due.add(t.get());
    }
    if (due.isEmpty() && s.missedTicks() == MissedTickPolicy.CATCH_UP_ONE) {
      Instant oldest = now.minus(retention);
      s.lastTick(now)
          .filter(t -> t.isAfter(done))
          .filter(t -> t.isAfter(oldest))
          .ifPresent(due::add);
    }
    return due;
  }

  private void wake() {
    lock.lock();
    try {
      dirty = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void sleepUntil(Instant wakeAt) throws InterruptedException {
    lock.lock();
    try {
      if (!dirty && !stopping) {
        Duration d = Duration.between(clock.instant(), wakeAt);
        changed.await(Math.max(MIN_SLEEP.toNanos(), Math.min(MAX_SLEEP.toNanos(), d.toNanos())), TimeUnit.NANOSECONDS);
      }
      dirty = false;
    } finally {
      lock.unlock();
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
