package dev.errand.core.testkit;

import dev.errand.core.AttemptError;
import dev.errand.core.Heartbeats;
import dev.errand.core.Json;
import dev.errand.core.Lease;
import dev.errand.core.Names;
import dev.errand.core.QueueLimits;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.CancelRequest;
import dev.errand.core.spi.CancelResult;
import dev.errand.core.spi.AttemptTimeout;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.ClaimResult;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.CompleteResult;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.DeadFilter;
import dev.errand.core.spi.DeadGroupQuery;
import dev.errand.core.spi.DeadGroupStore;
import dev.errand.core.spi.DeadGroups;
import dev.errand.core.spi.DuePage;
import dev.errand.core.spi.DueQuery;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.LeaseRef;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.PruneRequest;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.QueueLimitsRequest;
import dev.errand.core.spi.QueuePauseRequest;
import dev.errand.core.spi.RunNowRequest;
import dev.errand.core.spi.SchedulePutRequest;
import dev.errand.core.spi.StoredSchedule;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.SweepResult;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.QueueLimitStore;
import dev.errand.core.spi.ScheduleStore;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WaitRequest;
import dev.errand.core.spi.WakeUpStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * The simplest store that keeps the contract: everything under one lock, in memory. It exists to test
 * core's runtime quickly and to keep the conformance suite honest about what the SPI promises; it is
 * not durable and not for production.
 */
public final class InMemoryTaskStore implements TaskStore, ScheduleStore, QueueLimitStore, WakeUpStore,
    DeadGroupStore {
  /** How soon a waiter looks again at a queue whose limits hold back work that is due. */
  private static final Duration LIMIT_RECHECK = Duration.ofMillis(50);

  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final TreeMap<TaskId, Task> tasks = new TreeMap<>();
  private final Set<String> paused = new HashSet<>();
  private int insertClaims;
  private final Map<String, QueueLimits> limits = new HashMap<>();
  private final Map<String, TokenBucket> buckets = new HashMap<>();
  private final Map<TaskId, List<AttemptError>> errors = new HashMap<>();
  private final Map<TaskId, Integer> joins = new HashMap<>(); // each WAITING task's join counter
  private final List<Integer> claimSizes = new ArrayList<>(); // guarded by lock: each claim's limit and result
  private final TreeMap<String, StoredSchedule> schedules = new TreeMap<>();
  private volatile boolean closed;

  public InMemoryTaskStore(Clock clock) {
    this.clock = clock;
  }

  public InMemoryTaskStore() {
    this(Clock.systemUTC());
  }

  @Override
  public String name() {
    return "memory";
  }

  private <T> T locked(java.util.function.Supplier<T> body) {
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("store is closed");
      }
      return body.get();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public InsertResult insertMany(InsertRequest request) {
    return locked(() -> {
      Instant now = clock.instant();
      List<InsertResult.Outcome> outcomes = new ArrayList<>();
      for (NewTask n : request.tasks()) {
        outcomes.add(insert(n, now));
      }
      if (request.claimFor() != null) {
        outcomes.set(0, claimedAtInsert(outcomes.get(0), request.claimFor(), now));
        if (outcomes.get(0).task().state() == TaskState.RUNNING) {
          return new InsertResult(outcomes); // leased at once: nothing for a waiter to claim
        }
      }
      changed.signalAll();
      return new InsertResult(outcomes);
    });
  }

  private InsertResult.Outcome insert(NewTask n, Instant now) {
    Task existing = tasks.get(n.id());
    if (existing == null && n.idempotencyKey() != null) {
      existing = tasks.values().stream()
          .filter(t -> n.queue().equals(t.queue()) && n.idempotencyKey().equals(t.idempotencyKey()))
          .findFirst().orElse(null);
    }
    if (existing != null) {
      return new InsertResult.Outcome(existing, false);
    }
    Instant runAt = n.runAt() != null ? n.runAt() : now.plus(n.delay());
    TaskState state = n.joinCount() > 0 ? TaskState.WAITING
        : runAt.isAfter(now) ? TaskState.SCHEDULED : TaskState.READY;
    Task t = new Task(n.id(), n.queue(), n.type(), n.payload(), n.priority(), state, 0, n.retry(),
        n.timeout(), n.idempotencyKey(), runAt, now, null, null, null, null, null, n.kind(), n.headers());
    tasks.put(t.id(), t);
    if (n.joinCount() > 0) {
      joins.put(t.id(), n.joinCount());
    }
    return new InsertResult.Outcome(t, true);
  }

  /** The inserted task leased to {@code claim}'s worker if its next claim would take it anyway (InsertRequest#claimFor). */
  private InsertResult.Outcome claimedAtInsert(InsertResult.Outcome o, ClaimRequest claim, Instant now) {
    Task t = o.task();
    boolean nextInLine = o.created() && t.state() == TaskState.READY && !paused.contains(t.queue())
        && limits.getOrDefault(t.queue(), QueueLimits.NONE).isNone()
        && tasks.values().stream().noneMatch(other -> other != t && other.queue().equals(t.queue())
            && other.state().isPending() && !other.runAt().isAfter(now));
    if (!nextInLine) {
      return o;
    }
    Lease lease = new Lease(UUID.randomUUID().toString(), capped(t, now, now.plus(claim.leaseFor())), claim.workerId());
    Task c = with(t, TaskState.RUNNING, 1, t.runAt(), now, null, lease, null, null);
    tasks.put(c.id(), c);
    insertClaims++;
    return new InsertResult.Outcome(c, true);
  }

  /** How many inserts leased their task at once (InsertRequest#claimFor). */
  public int insertClaims() {
    lock.lock();
    try {
      return insertClaims;
    } finally {
      lock.unlock();
    }
  }

  /** One off the join counter of a WAITING task; at zero it becomes runnable, in line from now. */
  private void decrement(TaskId id, Instant now) {
    Task t = tasks.get(id);
    if (t == null || t.state() != TaskState.WAITING) {
      return;
    }
    int left = joins.merge(id, -1, Integer::sum);
    if (left > 0) {
      return;
    }
    joins.remove(id);
    boolean due = !t.runAt().isAfter(now);
    tasks.put(id, with(t, due ? TaskState.READY : TaskState.SCHEDULED, 0, due ? now : t.runAt(), null, null, null,
        null, null));
  }

  @Override
  public ClaimResult claim(ClaimRequest request) {
    return locked(() -> {
      if (paused.contains(request.queue())) {
        return new ClaimResult(List.of());
      }
      Instant now = clock.instant();
      int allowed = allowance(request.queue(), request.limit(), now);
      List<Task> due = tasks.values().stream()
          .filter(t -> t.queue().equals(request.queue()))
          .filter(t -> t.state().isPending() && !t.runAt().isAfter(now))
          .sorted(ClaimOrder.TASKS).limit(allowed).toList();
      TokenBucket bucket = buckets.get(request.queue());
      if (bucket != null) {
        buckets.put(request.queue(), bucket.refilled(limits.get(request.queue()), now).spend(due.size()));
      }
      List<Task> claimed = new ArrayList<>(due.size());
      for (Task t : due) {
        Lease lease = new Lease(UUID.randomUUID().toString(), capped(t, now, now.plus(request.leaseFor())),
            request.workerId());
        Task c = with(t, TaskState.RUNNING, t.attempt() + 1, t.runAt(), now, null, lease, null, t.lastError());
        tasks.put(c.id(), c);
        claimed.add(c);
      }
      claimSizes.add(request.limit());
      claimSizes.add(claimed.size());
      return new ClaimResult(claimed);
    });
  }

  /** Every claim so far, in order: what it asked for and what it got, for tests of the runtime's claiming. */
  public List<int[]> claims() {
    lock.lock();
    try {
      List<int[]> out = new ArrayList<>(claimSizes.size() / 2);
      for (int i = 0; i < claimSizes.size(); i += 2) {
        out.add(new int[] {claimSizes.get(i), claimSizes.get(i + 1)});
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public ExtendResult extendMany(ExtendRequest request) {
    return locked(() -> {
      Instant now = clock.instant();
      Map<TaskId, Instant> extended = new HashMap<>();
      List<TaskId> stale = new ArrayList<>();
      for (LeaseRef ref : request.leases()) {
        Task t = tasks.get(ref.id());
        if (holds(t, ref.token()) && !timedOut(t, now)) {
          Instant until = capped(t, t.startedAt(), now.plus(request.leaseFor()));
          Lease l = new Lease(ref.token(), until, t.lease().workerId());
          Heartbeats hb = t.heartbeats() == null ? new Heartbeats(1, now, now)
              : new Heartbeats(t.heartbeats().count() + 1, t.heartbeats().first(), now);
          tasks.put(t.id(), withHeartbeats(withProgress(with(t, t.state(), t.attempt(), t.runAt(), t.startedAt(),
              null, l, null, t.lastError()), ref.progress()), hb));
          extended.put(t.id(), until);
        } else {
          stale.add(ref.id());
        }
      }
      return new ExtendResult(extended, stale);
    });
  }

  /** {@code until}, no later than the attempt's timeout plus its grace allows (see {@link AttemptTimeout}). */
  private static Instant capped(Task t, Instant startedAt, Instant until) {
    if (t.timeout() == null) {
      return until;
    }
    Instant cap = startedAt.plus(t.timeout()).plus(AttemptTimeout.GRACE);
    return until.isAfter(cap) ? cap : until;
  }

  private static boolean timedOut(Task running, Instant now) {
    return running.timeout() != null && !now.isBefore(running.startedAt().plus(running.timeout()));
  }

  @Override
  public SweepResult sweepExpiredLeases(SweepRequest request) {
    return locked(() -> {
      Instant now = clock.instant();
      List<Task> expired = tasks.values().stream()
          .filter(t -> t.state() == TaskState.RUNNING && t.lease().until().isBefore(now))
          .sorted(Comparator.comparing((Task t) -> t.lease().until())).limit(request.limit()).toList();
      List<SweepResult.Swept> swept = new ArrayList<>(expired.size());
      for (Task t : expired) {
        SweepResult.Swept s = SweepResult.Swept.of(t);
        recordError(t, now, s.error());
        tasks.put(t.id(), with(t, s.state(), t.attempt(), s.state() == TaskState.RETRYING ? now : t.runAt(),
            t.startedAt(), s.state() == TaskState.DEAD ? now : null, null, null, s.error()));
        swept.add(s);
      }
      if (!swept.isEmpty()) {
        changed.signalAll();
      }
      return new SweepResult(swept);
    });
  }

  /** Keeps the failure of {@code running}'s attempt, at most {@link AttemptError#KEPT_PER_TASK} per task. */
  private void recordError(Task running, Instant now, String error) {
    List<AttemptError> history = errors.computeIfAbsent(running.id(), id -> new ArrayList<>());
    history.add(new AttemptError(running.attempt(), now, running.lease().workerId(), error, running.heartbeats(),
        running.startedAt()));
    if (history.size() > AttemptError.KEPT_PER_TASK) {
      history.removeFirst();
    }
  }

  private void forget(List<TaskId> ids) {
    for (TaskId id : ids) {
      tasks.remove(id);
      errors.remove(id);
      joins.remove(id);
    }
  }

  @Override
  public DeadGroups deadGroups(DeadGroupQuery query) {
    return locked(() -> {
      List<Task> dead = tasks.values().stream()
          .filter(t -> t.state() == TaskState.DEAD && (query.queue() == null || query.queue().equals(t.queue()))
              && (query.type() == null || query.type().equals(t.type())))
          .sorted(Comparator.comparing(Task::finishedAt).reversed()).toList();
      Map<List<String>, DeadGroups.Group> groups = new HashMap<>();
      int read = Math.min(dead.size(), query.maxRead());
      for (Task t : dead.subList(0, read)) {
        List<String> key = List.of(DeadGroups.errorLine(t.lastError()), t.queue(), t.type());
        DeadGroups.Group g = groups.get(key);
        groups.put(key, g == null ? new DeadGroups.Group(key.get(0), t.queue(), t.type(), 1, t.finishedAt(), t.id())
            : new DeadGroups.Group(g.error(), g.queue(), g.type(), g.count() + 1, g.lastDiedAt(), g.newest()));
      }
      return new DeadGroups(List.copyOf(groups.values()), read, read == dead.size());
    });
  }

  @Override
  public List<AttemptError> errors(TaskId id) {
    return locked(() -> List.copyOf(errors.getOrDefault(id, List.of())));
  }

  private static boolean holds(Task t, String token) {
    return t != null && t.state() == TaskState.RUNNING && t.lease().token().equals(token);
  }

  @Override
  public CompleteResult completeMany(CompleteRequest request) {
    return locked(() -> {
      Instant now = clock.instant();
      List<TaskId> stale = new ArrayList<>();
      List<Task> applied = new ArrayList<>();
      Set<TaskId> appliedIds = new HashSet<>();
      for (Completion c : request.completions()) {
        Task t = tasks.get(c.id());
        if (!holds(t, c.leaseToken())) {
          stale.add(c.id());
          continue;
        }
        appliedIds.add(c.id());
        Task next = switch (c.outcome()) {
          case Completion.Succeeded s ->
              with(t, TaskState.SUCCEEDED, t.attempt(), t.runAt(), t.startedAt(), now, null, s.result(), t.lastError());
          case Completion.Retry r -> {
            recordError(t, now, r.error());
            yield with(t, TaskState.RETRYING, t.attempt(), now.plus(r.delay()), t.startedAt(), null, null, null, r.error());
          }
          case Completion.Dead d -> {
            recordError(t, now, d.error());
            yield with(t, TaskState.DEAD, t.attempt(), t.runAt(), t.startedAt(), now, null, null, d.error());
          }
          // Released at once, a task keeps its run_at and so its place in line, as the SQL stores do.
          case Completion.Release r -> r.delay().isZero()
              ? with(t, TaskState.READY, t.attempt() - 1, t.runAt(), t.startedAt(), null, null, null, t.lastError())
              : with(t, TaskState.SCHEDULED, t.attempt() - 1, now.plus(r.delay()), t.startedAt(), null, null, null,
                  t.lastError());
        };
        tasks.put(next.id(), next);
        if (request.returnTasks()) {
          applied.add(next);
        }
      }
      if (request.hasFollowUps()) {
        Completion.FollowUps followUps = request.appliedFollowUps(appliedIds);
        followUps.inserts().forEach(n -> insert(n, now));
        followUps.decrements().forEach(id -> decrement(id, now));
      }
      changed.signalAll();
      return new CompleteResult(stale, applied);
    });
  }

  @Override
  public CancelResult cancel(CancelRequest request) {
    return locked(() -> {
      Task t = tasks.get(request.id());
      if (t == null) {
        return new CancelResult(null, CancelResult.Status.NOT_FOUND);
      }
      if (t.state().isFinal()) {
        return new CancelResult(t, CancelResult.Status.ALREADY_FINAL);
      }
      Task c = with(t, TaskState.CANCELLED, t.attempt(), t.runAt(), t.startedAt(), clock.instant(), null, null,
          t.lastError());
      tasks.put(c.id(), c);
      joins.remove(c.id());
      return new CancelResult(c, CancelResult.Status.CANCELLED);
    });
  }

  @Override
  public Optional<Task> get(TaskId id) {
    return locked(() -> Optional.ofNullable(tasks.get(id)));
  }

  @Override
  public TaskPage list(TaskQuery q) {
    return locked(() -> {
      var view = q.before() == null ? tasks.descendingMap() : tasks.headMap(q.before(), false).descendingMap();
      List<Task> page = view.values().stream().filter(q::matches).limit(q.limit() + 1L).toList();
      if (page.size() > q.limit()) {
        return new TaskPage(page.subList(0, q.limit()), page.get(q.limit() - 1).id());
      }
      return new TaskPage(page, null);
    });
  }

  @Override
  public DuePage listDue(DueQuery q) {
    return locked(() -> new DuePage(tasks.values().stream().filter(q::matches).sorted(DueQuery.ORDER).limit(q.limit())
        .toList()));
  }

  @Override
  public List<QueueInfo> queues() {
    return locked(() -> {
      Instant now = clock.instant();
      Map<String, Map<TaskState, Long>> counts = new TreeMap<>();
      Map<String, Instant> oldestReady = new HashMap<>();
      for (String q : paused) {
        counts.put(q, new EnumMap<>(TaskState.class));
      }
      for (String q : limits.keySet()) {
        counts.putIfAbsent(q, new EnumMap<>(TaskState.class));
      }
      for (Task t : tasks.values()) {
        counts.computeIfAbsent(t.queue(), k -> new EnumMap<>(TaskState.class)).merge(t.state(), 1L, Long::sum);
        if (t.state() == TaskState.READY || t.state().isPending() && !t.runAt().isAfter(now)) {
          oldestReady.merge(t.queue(), t.runAt(), (a, b) -> a.isBefore(b) ? a : b);
        }
      }
      List<QueueInfo> out = new ArrayList<>();
      counts.forEach((q, c) -> out.add(new QueueInfo(q, c, paused.contains(q), limits.getOrDefault(q, QueueLimits.NONE),
          oldestReady.get(q), Set.of())));
      return out;
    });
  }

  @Override
  public void pauseQueue(QueuePauseRequest request) {
    locked(() -> {
      if (request.paused()) {
        paused.add(request.queue());
      } else {
        paused.remove(request.queue());
        changed.signalAll();
      }
      return null;
    });
  }

  @Override
  public StoredSchedule putSchedule(SchedulePutRequest request) {
    return locked(() -> {
      StoredSchedule old = schedules.get(request.name());
      StoredSchedule saved = new StoredSchedule(request.name(), request.definition(),
          old == null ? 1 : old.version() + 1, clock.instant());
      schedules.put(saved.name(), saved);
      return saved;
    });
  }

  @Override
  public boolean deleteSchedule(String name) {
    Names.require("name", name);
    return locked(() -> schedules.remove(name) != null);
  }

  @Override
  public List<StoredSchedule> storedSchedules() {
    return locked(() -> List.copyOf(schedules.values()));
  }

  /** How many the queue's limits let a claim of {@code limit} take now. */
  private int allowance(String queue, int limit, Instant now) {
    QueueLimits l = limits.get(queue);
    if (l == null) {
      return limit;
    }
    long allowed = limit;
    if (l.maxRunning() != null) {
      allowed = Math.min(allowed, l.maxRunning() - running(queue, now));
    }
    if (l.hasRate()) {
      allowed = Math.min(allowed, buckets.get(queue).refilled(l, now).whole());
    }
    return (int) Math.max(0, allowed);
  }

  private long running(String queue, Instant now) {
    return tasks.values().stream().filter(t -> t.queue().equals(queue) && t.state() == TaskState.RUNNING)
        .filter(t -> t.lease().until().isAfter(now)).count();
  }

  /** Tokens as of {@code at}. */
  @Override
  public void limitQueue(QueueLimitsRequest request) {
    locked(() -> {
      String queue = request.queue();
      QueueLimits l = request.limits();
      if (l.isNone()) {
        limits.remove(queue);
      } else {
        limits.put(queue, l);
      }
      TokenBucket old = buckets.remove(queue);
      if (l.hasRate()) {
        Instant now = clock.instant();
        buckets.put(queue, old == null ? TokenBucket.full(l, now) : new TokenBucket(Math.min(old.tokens(), l.burst()), now));
      }
      changed.signalAll();
      return null;
    });
  }

  private static Predicate<Task> dead(DeadFilter f) {
    return t -> t.state() == TaskState.DEAD && (f.id() == null || f.id().equals(t.id()))
        && (f.queue() == null || f.queue().equals(t.queue())) && (f.type() == null || f.type().equals(t.type()));
  }

  @Override
  public int replayDead(DeadFilter filter) {
    return locked(() -> {
      Instant now = clock.instant();
      List<Task> matching = tasks.values().stream().filter(dead(filter)).toList();
      for (Task t : matching) {
        tasks.put(t.id(), with(t, TaskState.READY, 0, now, t.startedAt(), null, null, null, t.lastError()));
      }
      changed.signalAll();
      return matching.size();
    });
  }

  @Override
  public int runNow(RunNowRequest r) {
    return locked(() -> {
      Instant now = clock.instant();
      List<Task> matching = tasks.values().stream().filter(new DueQuery(r.queue(), r.type(), 1)::matches)
          .filter(t -> r.id() == null || r.id().equals(t.id())).toList();
      for (Task t : matching) {
        tasks.put(t.id(), with(t, TaskState.READY, t.attempt(), now, t.startedAt(), null, null, null, t.lastError()));
      }
      changed.signalAll();
      return matching.size();
    });
  }

  @Override
  public int purgeDead(DeadFilter filter) {
    return locked(() -> {
      List<TaskId> ids = tasks.values().stream().filter(dead(filter)).map(Task::id).toList();
      forget(ids);
      return ids.size();
    });
  }

  @Override
  public int prune(PruneRequest request) {
    return locked(() -> {
      List<TaskId> ids = tasks.values().stream()
          .filter(t -> t.state() == TaskState.SUCCEEDED || t.state() == TaskState.CANCELLED)
          .filter(t -> t.finishedAt().isBefore(request.finishedBefore()))
          .limit(request.limit()).map(Task::id).toList();
      forget(ids);
      return ids.size();
    });
  }

  @Override
  public void awaitWork(WaitRequest request) throws InterruptedException {
    lock.lock();
    try {
      Instant now = clock.instant();
      long waitNanos = request.maxWait().toNanos();
      for (Task t : tasks.values()) {
        if (request.queues().contains(t.queue()) && !paused.contains(t.queue())) {
          Instant due = t.state().isPending() ? t.runAt() : null;
          if (due != null && !due.isAfter(now) && limits.containsKey(t.queue())) {
            // Held back by its limits, not by time: look again when a token may have come or a slot freed.
            due = now.plus(LIMIT_RECHECK);
          }
          if (due != null) {
            waitNanos = Math.min(waitNanos, Math.max(0, Duration.between(now, due).toNanos()));
          }
        }
      }
      if (waitNanos > 0) {
        changed.await(waitNanos, TimeUnit.NANOSECONDS);
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void ping() {
    locked(() -> null);
  }

  @Override
  public void close() {
    closed = true;
  }

  private static Task with(Task t, TaskState state, int attempt, Instant runAt, Instant startedAt,
      Instant finishedAt, Lease lease, Json result, String lastError) {
    // Heartbeats belong to one attempt: a claim (a new start), a release or a replay leaves none.
    Heartbeats hb = attempt == t.attempt() && Objects.equals(startedAt, t.startedAt()) ? t.heartbeats() : null;
    return new Task(t.id(), t.queue(), t.type(), t.payload(), t.priority(), state, attempt, t.retry(), t.timeout(),
        t.idempotencyKey(), runAt, t.createdAt(), startedAt, finishedAt, lease, result, lastError, t.kind(),
        t.headers(), t.progress(), hb);
  }

  private static Task withHeartbeats(Task t, Heartbeats hb) {
    return new Task(t.id(), t.queue(), t.type(), t.payload(), t.priority(), t.state(), t.attempt(), t.retry(),
        t.timeout(), t.idempotencyKey(), t.runAt(), t.createdAt(), t.startedAt(), t.finishedAt(), t.lease(),
        t.result(), t.lastError(), t.kind(), t.headers(), t.progress(), hb);
  }

  private static Task withProgress(Task t, Json progress) {
    return progress == null ? t : new Task(t.id(), t.queue(), t.type(), t.payload(), t.priority(), t.state(),
        t.attempt(), t.retry(), t.timeout(), t.idempotencyKey(), t.runAt(), t.createdAt(), t.startedAt(),
        t.finishedAt(), t.lease(), t.result(), t.lastError(), t.kind(), t.headers(), progress, t.heartbeats());
  }
}
