package dev.errand.core.internal;

import dev.errand.core.Enqueued;
import dev.errand.core.Json;
import dev.errand.core.ScheduleConflictException;
import dev.errand.core.TaskSpec;
import dev.errand.core.loop.FailureStreak;
import dev.errand.core.loop.LoopService;
import dev.errand.core.schedule.MissedTickPolicy;
import dev.errand.core.schedule.Schedule;
import dev.errand.core.schedule.ScheduleInfo;
import dev.errand.core.schedule.ScheduleJson;
import dev.errand.core.schedule.ScheduleSource;
import dev.errand.core.spi.SchedulePutRequest;
import dev.errand.core.spi.StoredSchedule;
import dev.errand.core.spi.ScheduleStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * <p><b>Two sources of schedules.</b> Schedules {@linkplain #register registered} in code live in this
 * process: every node registers its own. Stored schedules are kept in the store ({@link #put}, {@link
 * #delete}) and every node runs them: the loop reads them all from the store every sync interval (and
 * at start), so a schedule put through any node runs on this one within that interval; a put or delete
 * through this node applies here at once. A sync that finds a schedule's definition unchanged (the same
 * bytes) keeps its entry and so its watermark: nothing is fired again or skipped. A changed definition
 * starts afresh, like a replaced one. A stored definition this node cannot run (written by a newer
 * Errand, or with a tolerance not shorter than this node's retention) is skipped with one WARN per
 * definition. A failed sync is logged and tried again at the next interval; the schedules already known
 * keep firing meanwhile.
 *
 * <p><b>Code wins a name.</b> When a stored schedule has the name of one registered in code, this node
 * runs the code's (it was deployed with the node, and every node that has it agrees) and logs a WARN;
 * the stored one runs on nodes without such code. A put through this node under such a name is refused
 * with {@link ScheduleConflictException}, so the conflict is seen where it is made.
 *
 * <p>Thread-safe, except that {@link #evaluate()} is called by one thread at a time (the scheduler's own,
 * or a test's when the runtime is not started). Reading the stored schedules and applying them, and
 * writing one and applying it, hold one lock, so a sync never undoes a newer local put or delete.
 * Internal: not public API.
 */
public final class SchedulerRuntime extends LoopService {
  private static final Logger log = LoggerFactory.getLogger(SchedulerRuntime.class);
  // Re-read the clock at least this often, so a step of the wall clock cannot make it sleep through ticks.
  private static final Duration MAX_SLEEP = Duration.ofSeconds(30);
  private static final Duration MIN_SLEEP = Duration.ofMillis(1);
  // Retries stay well inside the default 10 s tolerance: a store that is back within seconds loses no tick.
  private static final Duration RETRY_FIRST = Duration.ofMillis(100);
  private static final Duration RETRY_MAX = Duration.ofSeconds(1);
  private static final int ENQUEUE_BATCH = 500;
  private static final Duration STOP_WAIT = Duration.ofSeconds(5);
  /** How often the stored schedules are read unless the Errand's builder says otherwise. */
  public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(5);

  private final String name;
  private final Clock clock;
  private final Duration retention;
  private final Function<List<TaskSpec>, List<Enqueued>> enqueuer;
  private final ScheduleStore definitions;
  private final Duration syncInterval;
  private final Map<String, Entry> code = new ConcurrentHashMap<>();
  private final Map<String, Entry> stored = new ConcurrentHashMap<>();
  // The stored definitions this node refused to run, so each is warned about once. Guarded by syncLock.
  private final Map<String, Json> refused = new HashMap<>();
  private final ReentrantLock syncLock = new ReentrantLock();
  // Each used by one thread at a time: the loop's, or start()'s before the loop runs.
  private final FailureStreak syncFailures;
  private final FailureStreak passFailures;
  // Elapsed time, not the clock: a sync is due every interval however the wall clock steps. Loop's thread.
  private long nextSync;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private boolean dirty; // guarded by lock: set when the schedules change, so the loop does not sleep on

  /**
   * A runtime for schedules registered in code only: it has no store to keep schedules in.
   *
   * @param name the Errand's name, which starts every log line
   * @param retention the Errand's retention: ticks older than this are never enqueued
   * @param enqueuer enqueues specs in one store call, as {@code Errand#enqueueMany} does
   */
  public SchedulerRuntime(String name, Clock clock, Duration retention,
      Function<List<TaskSpec>, List<Enqueued>> enqueuer) {
    this(name, clock, retention, enqueuer, null, DEFAULT_SYNC_INTERVAL);
  }

  /**
   * @param definitions where stored schedules are kept, or null when the store keeps none
   * @param syncInterval how often the loop reads the stored schedules
   */
  public SchedulerRuntime(String name, Clock clock, Duration retention,
      Function<List<TaskSpec>, List<Enqueued>> enqueuer, ScheduleStore definitions, Duration syncInterval) {
    super(log, name, "enqueueing schedule ticks", "errand-scheduler");
    this.syncFailures = new FailureStreak(log, name, "reading the stored schedules");
    this.passFailures = new FailureStreak(log, name, "enqueueing schedule ticks", RETRY_FIRST, RETRY_MAX);
    this.name = name;
    this.clock = clock;
    this.retention = retention;
    this.enqueuer = enqueuer;
    this.definitions = definitions;
    this.syncInterval = syncInterval;
  }

  /** A schedule this node runs and its watermark (see the class comment); null until its first pass. */
  private static final class Entry {
    final Schedule schedule;
    final ScheduleSource source;
    final Json definition; // what a stored schedule was decoded from; null for code
    // Written and read only by the evaluating thread; volatile since that thread may change between starts.
    volatile Instant doneThrough;

    Entry(Schedule schedule, ScheduleSource source, Json definition) {
      this.schedule = schedule;
      this.source = source;
      this.definition = definition;
    }
  }

  /** Adds {@code schedule} from code, replacing any of the same name, and wakes the loop to evaluate it. */
  public void register(Schedule schedule) {
    requireRunnable(schedule);
    code.put(schedule.name(), new Entry(schedule, ScheduleSource.CODE, null));
    if (stored.containsKey(schedule.name())) {
      warnShadowed(schedule.name());
    }
    log.debug("{} schedule registered: {}", name, schedule);
    wake();
  }

  /** Throws IllegalArgumentException if this node could not keep the exactly-once promise for it. */
  private void requireRunnable(Schedule schedule) {
    if (schedule.tolerance().compareTo(retention) >= 0) {
      // A tick's task could be pruned while the tick is still enqueueable, and then enqueued again.
      throw new IllegalArgumentException("tolerance of schedule " + schedule.name() + " must be shorter than "
          + "the retention " + retention + ": " + schedule.tolerance());
    }
  }

  private void warnShadowed(String scheduleName) {
    log.warn("{} schedule {} is both in the store and in code; this node runs the one in code", name,
        scheduleName);
  }

  /** Removes the schedule registered in code as {@code scheduleName}; returns whether there was one. */
  public boolean remove(String scheduleName) {
    boolean removed = code.remove(scheduleName) != null;
    if (removed) {
      log.debug("{} schedule {} removed", name, scheduleName);
      wake();
    }
    return removed;
  }

  /** Whether {@code scheduleName} is registered in code on this node. */
  public boolean inCode(String scheduleName) {
    return code.containsKey(scheduleName);
  }

  /**
   * Keeps {@code schedule} in the store, replacing any stored one of its name, and runs it here at once.
   *
   * @throws ScheduleConflictException if a schedule of that name is registered in code here
   * @throws IllegalArgumentException if its tolerance is not shorter than the retention
   */
  public StoredSchedule put(Schedule schedule) {
    requireStore();
    requireRunnable(schedule);
    Json definition = ScheduleJson.encode(schedule);
    StoredSchedule saved;
    syncLock.lock();
    try {
      if (code.containsKey(schedule.name())) {
        throw new ScheduleConflictException(schedule.name());
      }
      saved = definitions.putSchedule(new SchedulePutRequest(schedule.name(), definition));
      apply(saved, schedule);
    } finally {
      syncLock.unlock();
    }
    wake();
    return saved;
  }

  /** Deletes the stored schedule {@code scheduleName} and stops running it here; returns whether there was one. */
  public boolean delete(String scheduleName) {
    requireStore();
    boolean deleted;
    syncLock.lock();
    try {
      deleted = definitions.deleteSchedule(scheduleName);
      stored.remove(scheduleName);
      refused.remove(scheduleName);
    } finally {
      syncLock.unlock();
    }
    wake();
    return deleted;
  }

  private void requireStore() {
    if (definitions == null) {
      throw new UnsupportedOperationException(name + ": the store keeps no schedules");
    }
  }

  /**
   * Reads every stored schedule and brings this node's set in line: new and changed ones are added,
   * unchanged ones keep their watermark, deleted ones are dropped. Throws what the store throws, having
   * changed nothing.
   */
  public void sync() {
    if (definitions == null) {
      return;
    }
    syncLock.lock();
    try {
      List<StoredSchedule> all = definitions.storedSchedules();
      Set<String> names = new HashSet<>();
      for (StoredSchedule s : all) {
        names.add(s.name());
        apply(s, null);
      }
      for (String gone : List.copyOf(stored.keySet())) {
        if (!names.contains(gone)) {
          stored.remove(gone);
          log.debug("{} stored schedule {} is gone from the store", name, gone);
        }
      }
      refused.keySet().retainAll(names);
    } finally {
      syncLock.unlock();
    }
  }

  /**
   * Runs {@code s} here unless this node already runs the same definition. {@code decoded} is its
   * schedule when the caller has it, else null. Called under syncLock.
   */
  private void apply(StoredSchedule s, Schedule decoded) {
    Entry current = stored.get(s.name());
    if (current != null && current.definition.equals(s.definition())) {
      return; // unchanged: the entry, and so the watermark, stays
    }
    Schedule schedule = decoded;
    if (schedule == null) {
      try {
        schedule = ScheduleJson.decode(s.name(), s.definition());
        requireRunnable(schedule);
      } catch (IllegalArgumentException e) {
        stored.remove(s.name()); // what ran before is no longer what the store says
        if (!s.definition().equals(refused.put(s.name(), s.definition()))) {
          log.warn("{} stored schedule {} (version {}) cannot run on this node and is skipped: {}", name,
              s.name(), s.version(), e.getMessage());
        }
        return;
      }
    }
    refused.remove(s.name());
    stored.put(s.name(), new Entry(schedule, ScheduleSource.STORE, s.definition()));
    if (code.containsKey(s.name())) {
      warnShadowed(s.name());
    }
    log.debug("{} stored schedule {} version {}: {}", name, s.name(), s.version(), schedule);
  }

  /** The schedules this node runs: all from code, and the stored ones no code schedule shadows. */
  private List<Entry> active() {
    List<Entry> out = new ArrayList<>(code.values());
    for (Entry e : stored.values()) {
      if (!code.containsKey(e.schedule.name())) {
        out.add(e);
      }
    }
    return out;
  }

  /** Every schedule this node runs, by name, with its source and its next and last tick as of now. */
  public List<ScheduleInfo> list() {
    Instant now = clock.instant();
    List<ScheduleInfo> out = new ArrayList<>();
    for (Entry e : active()) {
      Schedule s = e.schedule;
      Instant next = s.enabled() ? s.nextTick(now).orElse(null) : null;
      out.add(new ScheduleInfo(s, e.source, next, s.lastTick(now).orElse(null)));
    }
    out.sort(Comparator.comparing(ScheduleInfo::name));
    return out;
  }

  /** Whether the loop runs: then {@link #list()} is as fresh as the last sync. */
  public boolean running() {
    return thread() != null && !stopping();
  }

  /** Reads the stored schedules once (a failure is logged; the loop tries again), then starts the loop. */
  @Override
  public void start() {
    trySync();
    nextSync = System.nanoTime() + syncInterval.toNanos();
    super.start();
    log.info("{} scheduler started: {} schedules, {} of them stored", name, active().size(), stored.size());
  }

  /** One sync whose failure is logged, not thrown: the next interval tries again. */
  private void trySync() {
    try {
      sync();
      syncFailures.succeeded();
    } catch (RuntimeException | Error e) {
      if (!stopping()) { // else interrupted by stop(): not a failure to report
        syncFailures.failed(e);
      }
    }
  }

  /** Stops the loop; a pass under way finishes its store call first, within 5 s. */
  public void stop() {
    if (thread() == null || stopping()) {
      return;
    }
    try {
      stop(System.nanoTime() + STOP_WAIT.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("{} scheduler stopped", name);
  }

  @Override
  protected void wakeToStop() {
    wake();
  }

  /**
   * One pass: a sync if one is due, the due ticks enqueued, and a sleep until the next tick, the next
   * sync or a change. A failed pass marked nothing done, so the next one, after a backoff of at most
   * {@link #RETRY_MAX}, enqueues the same ticks while they are within tolerance.
   */
  @Override
  protected boolean runOnce() throws InterruptedException {
    if (stopping()) {
      return false;
    }
    if (definitions != null && System.nanoTime() - nextSync >= 0) {
      trySync();
      nextSync = System.nanoTime() + syncInterval.toNanos();
      if (stopping()) {
        return false;
      }
    }
    Instant wakeAt;
    try {
      wakeAt = evaluate();
      passFailures.succeeded();
    } catch (RuntimeException | Error e) {
      if (stopping()) {
        return false;
      }
      wakeAt = clock.instant().plusMillis(passFailures.failed(e));
    }
    Duration untilSync = definitions != null ? Duration.ofNanos(nextSync - System.nanoTime()) : MAX_SLEEP;
    sleep(min(Duration.between(clock.instant(), wakeAt), untilSync));
    return true;
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
    for (Entry e : active()) {
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

  private void sleep(Duration d) throws InterruptedException {
    lock.lock();
    try {
      if (!dirty && !stopping()) {
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
