package dev.errand.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.errand.core.internal.BulkActions;
import dev.errand.core.internal.FinishWaiters;
import dev.errand.core.internal.HandlerRegistry;
import dev.errand.core.internal.IdleWait;
import dev.errand.core.internal.LeaseSweeper;
import dev.errand.core.internal.ListenerPair;
import dev.errand.core.internal.Pruner;
import dev.errand.core.internal.SafeListener;
import dev.errand.core.internal.SchedulerRuntime;
import dev.errand.core.internal.Settings;
import dev.errand.core.internal.TaskResolver;
import dev.errand.core.internal.HandOff;
import dev.errand.core.internal.WorkerRuntime;
import dev.errand.core.internal.WorkflowWriter;
import dev.errand.core.schedule.Schedule;
import dev.errand.core.schedule.ScheduleInfo;
import dev.errand.core.spi.CancelRequest;
import dev.errand.core.spi.CancelResult;
import dev.errand.core.spi.ClaimRequest;
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
import dev.errand.core.spi.JdbcTransactionalStore;
import dev.errand.core.spi.QueueLimitStore;
import dev.errand.core.spi.ScheduleStore;
import dev.errand.core.spi.LeaseRef;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.QueueLimitsRequest;
import dev.errand.core.spi.QueuePauseRequest;
import dev.errand.core.spi.RunNowRequest;
import dev.errand.core.spi.StoredSchedule;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WaitRequest;
import dev.errand.core.spi.WorkflowStore;
import dev.errand.core.workflow.EnqueuedWorkflow;
import dev.errand.core.workflow.ParentResult;
import dev.errand.core.workflow.Workflow;
import dev.errand.core.workflow.WorkflowConflictException;
import dev.errand.core.workflow.WorkflowInfo;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The facade library users and the server call: enqueue tasks, query and steer them, register handlers
 * and run workers. One instance per store per process; thread-safe.
 *
 * <pre>{@code
 * Errand errand = Errand.builder().store(store).queue("default", 50).build();
 * errand.handle("send_email", Email.class, (task, email) -> mailer.send(email));
 * errand.start();
 * errand.enqueue(TaskSpec.of("send_email", email).delay(Duration.ofMinutes(30)));
 * }</pre>
 *
 * <p>Without {@link #start()} an Errand is a client only: it enqueues and queries but runs nothing.
 * {@link #close()} stops the workers gracefully (see {@link Builder#shutdownGrace}) and closes the store.
 */
public final class Errand implements AutoCloseable {
  /** How long a prune under way may hold up stop() before it is interrupted. */
  private static final Duration HOUSEKEEPING_STOP = Duration.ofSeconds(5);
  private final TaskStore store;
  private final Settings settings;
  private final HandlerRegistry handlers;
  private final TaskResolver resolver;
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile WorkerRuntime runtime;
  private final SchedulerRuntime scheduler;
  private final IdleWait idle;
  private final Pruner pruner;
  private final LeaseSweeper sweeper;
  private final boolean runWorkers;
  private final boolean runSchedules;
  private final List<TaskInterceptor> interceptors;
  private final Map<String, TaskExecutor> executors;
  private final FinishWaiters finishWaiters;
  private final BulkActions bulk;
  /** Whether a listener besides core's own listens, so that completions must return their tasks. */
  private final boolean userListens;

  private Errand(Builder b) {
    this.store = b.store;
    this.handlers = new HandlerRegistry(b.mapper, b.typeDefaults);
    String workerId = b.workerId != null ? b.workerId : defaultWorkerId();
    this.finishWaiters = new FinishWaiters(b.store, "errand[" + workerId + "]");
    this.bulk = new BulkActions(b.store);
    this.userListens = b.listener != ErrandListener.NONE;
    this.settings = new Settings(workerId, b.clock, b.mapper,
        Map.copyOf(b.queues.isEmpty() ? Map.of(TaskSpec.DEFAULT_QUEUE, 10) : b.queues), b.leaseDuration,
        b.heartbeatInterval != null ? b.heartbeatInterval : b.leaseDuration.dividedBy(3), b.pollInterval,
        b.shutdownGrace, b.retention, b.pruneInterval, b.maxPayloadBytes, b.retry, b.timeout,
        ListenerPair.of(SafeListener.wrap(b.listener, "errand[" + workerId + "]"), finishWaiters),
        b.completionBatchSize, b.completionFlushDelay, b.maxClaimBatch,
        b.seed != null ? new SplittableRandom(b.seed) : new SplittableRandom());
    this.resolver = new TaskResolver(settings, handlers, b.traceContext);
    this.scheduler = new SchedulerRuntime("errand[" + settings.workerId() + "]", settings.clock(),
        settings.retention(), this::enqueueMany, store.capability(ScheduleStore.class).orElse(null),
        b.scheduleSyncInterval);
    this.pruner = new Pruner(store, "errand[" + settings.workerId() + "]", settings.clock(), settings.retention(),
        settings.pruneInterval());
    this.sweeper = new LeaseSweeper(store, "errand[" + settings.workerId() + "]", settings.listener(),
        b.leaseSweepInterval);
    this.idle = IdleWait.on(store);
    this.runWorkers = b.runWorkers;
    this.runSchedules = b.runSchedules;
    this.interceptors = List.copyOf(b.interceptors);
    this.executors = Map.copyOf(b.executors);
  }

  public static Builder builder() {
    return new Builder();
  }

  private static String defaultWorkerId() {
    String host = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("worker");
    return host + "-" + ProcessHandle.current().pid() + "-" + Integer.toHexString(
        ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
  }

  // ---------------------------------------------------------------- handlers and workers

  /**
   * Registers the handler for {@code type}; its payloads are decoded as {@code payloadType} (use
   * {@code Json.class} for the raw bytes). Call before {@link #start()}; registering a type twice fails.
   */
  public <P> Errand handle(String type, Class<P> payloadType, TaskHandler<P> handler) {
    if (started.get()) {
      throw new IllegalStateException("register handlers before start()");
    }
    handlers.register(Names.require("type", type), payloadType, handler);
    return this;
  }

  /**
   * Starts the workers for the configured queues (unless {@link Builder#runWorkers} is off) and the
   * scheduler (unless {@link Builder#runSchedules} is off). Handlers must be registered first.
   */
  public Errand start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("already started");
    }
    if (runWorkers) {
      runtime = new WorkerRuntime(store, settings, handlers, resolver, interceptors, executors);
      runtime.start();
    }
    if (runSchedules) {
      scheduler.start();
    }
    pruner.start();
    sweeper.start();
    return this;
  }

  /** This Errand's worker id, as recorded in leases. */
  public String workerId() {
    return settings.workerId();
  }

  public TaskStore store() {
    return store;
  }

  // ---------------------------------------------------------------- enqueue

  /**
   * Enqueues one task; it is durable when this returns. With an idempotency key already held in the
   * queue, returns the existing task ({@code created == false}).
   *
   * <p>If this Errand's worker of the task's queue is waiting for work, the task is offered to it: the
   * store may lease it to that worker in the same write, when the worker's own claim would have taken it
   * first (see {@link InsertRequest#claimFor}), and the run starts before this returns; the returned
   * task is then RUNNING. Delayed tasks, batches and inserts in the caller's transaction are not offered.
   *
   * @throws IdempotencyConflictException if the key's task was enqueued with a different spec
   * @throws InvalidTaskException if the payload is over the size limit
   */
  public Enqueued enqueue(TaskSpec spec) {
    WorkerRuntime workers = runtime;
    boolean dueNow = spec.runAt() == null && (spec.delay() == null || spec.delay().isZero());
    HandOff handOff = workers == null || !dueNow ? null : workers.offer(spec.queue());
    if (handOff == null) {
      return single(enqueueMany(List.of(spec)), spec);
    }
    // This process's worker of the queue waits for work: the store may lease the task to it in the
    // insert itself, which spares the run a wake-up and a claim (see InsertRequest#claimFor).
    InsertResult result = null;
    List<Enqueued> enqueued;
    try {
      result = store.insertMany(InsertRequest.claiming(resolver.resolve(spec), handOff.claim()));
      enqueued = outcomes(List.of(spec), result); // the listener hears of the enqueue before the start
    } finally {
      handOff.settle(result == null ? null : result.outcomes().get(0));
    }
    return single(enqueued, spec);
  }

  /**
   * Enqueues many tasks in one store round trip and one transaction. Idempotency conflicts do not throw
   * here; they show as {@link Enqueued#conflict()} for the task concerned, which was not written.
   */
  public List<Enqueued> enqueueMany(List<TaskSpec> specs) {
    List<NewTask> tasks = resolve(specs);
    return outcomes(specs, store.insertMany(new InsertRequest(tasks)));
  }

  /**
   * Enqueues inside the caller's JDBC transaction (the transactional outbox): the task exists if and only
   * if the caller commits. The connection is never committed, rolled back or closed here.
   *
   * @throws UnsupportedOperationException if the store is not in a JDBC database
   */
  public Enqueued enqueue(Connection connection, TaskSpec spec) {
    return single(enqueueMany(connection, List.of(spec)), spec);
  }

  public List<Enqueued> enqueueMany(Connection connection, List<TaskSpec> specs) {
    JdbcTransactionalStore jdbc = store.capability(JdbcTransactionalStore.class).orElseThrow(() ->
        new UnsupportedOperationException("store " + store.name() + " cannot join a JDBC transaction"));
    List<NewTask> tasks = resolve(specs);
    return outcomes(specs, jdbc.insertMany(connection, new InsertRequest(tasks)));
  }

  // ---------------------------------------------------------------- workflows

  /**
   * Enqueues a workflow in one store write: all its tasks, or none. Nodes without dependencies are
   * runnable at once, the others wait for theirs (see {@link Workflow}). With an idempotency key already
   * held by an equal workflow, returns that one ({@code created == false}).
   *
   * @throws UnsupportedOperationException if the store has no workflows
   * @throws WorkflowConflictException if the key is held by a workflow with a different graph
   * @throws InvalidTaskException if the graph or a task is invalid (nothing was written)
   */
  public EnqueuedWorkflow enqueue(Workflow workflow) {
    WorkflowStore workflows = workflowStore();
    return new WorkflowWriter(resolver).enqueue(workflow, workflows::insertWorkflow);
  }

  /**
   * Enqueues a workflow inside the caller's JDBC transaction: it exists if and only if the caller commits.
   *
   * @throws UnsupportedOperationException if the store has no workflows or is not in a JDBC database
   */
  public EnqueuedWorkflow enqueue(Connection connection, Workflow workflow) {
    Objects.requireNonNull(connection, "connection");
    WorkflowStore workflows = workflowStore();
    return new WorkflowWriter(resolver).enqueue(workflow, w -> workflows.insertWorkflow(connection, w));
  }

  /** The workflow with every node's state, or empty if unknown; throws as {@link #enqueue(Workflow)} without workflows. */
  public Optional<WorkflowInfo> workflow(String id) {
    return workflowStore().workflow(id);
  }

  /** Cancels what has not started of a running workflow (see {@link WorkflowStore#cancelWorkflow}). */
  public Optional<WorkflowInfo> cancelWorkflow(String id) {
    return workflowStore().cancelWorkflow(id);
  }

  /**
   * The parents of each task in {@code tasks}, as {@link TaskContext#parents()} gives them to a handler:
   * for remote workers, read once for a whole claim. Empty on a store without workflows.
   */
  public Map<TaskId, List<ParentResult>> parents(List<TaskId> tasks) {
    return tasks.isEmpty() ? Map.of()
        : store.capability(WorkflowStore.class).map(w -> w.parents(tasks)).orElse(Map.of());
  }

  private WorkflowStore workflowStore() {
    return store.capability(WorkflowStore.class).orElseThrow(() ->
        new UnsupportedOperationException("store " + store.name() + " has no workflows"));
  }

  private Enqueued single(List<Enqueued> results, TaskSpec spec) {
    Enqueued e = results.get(0);
    if (e.conflict()) {
      throw new IdempotencyConflictException(spec.idempotencyKey(), e.task());
    }
    return e;
  }

  private List<NewTask> resolve(List<TaskSpec> specs) {
    List<NewTask> tasks = new ArrayList<>(specs.size());
    for (TaskSpec spec : specs) {
      tasks.add(resolver.resolve(spec));
    }
    return tasks;
  }

  private List<Enqueued> outcomes(List<TaskSpec> specs, InsertResult result) {
    List<Enqueued> out = new ArrayList<>(specs.size());
    for (int i = 0; i < specs.size(); i++) {
      InsertResult.Outcome o = result.outcomes().get(i);
      TaskSpec spec = specs.get(i);
      boolean conflict = !o.created() && !spec.isRepeatOf(o.task());
      if (o.created()) {
        settings.listener().enqueued(o.task());
      }
      out.add(new Enqueued(o.task(), o.created(), conflict));
    }
    return out;
  }

  // ---------------------------------------------------------------- schedules

  /**
   * Registers {@code schedule} in code, replacing any code schedule of the same name; before or after
   * start. While this Errand runs (see {@link Builder#runSchedules}), each of its ticks is enqueued with
   * the idempotency key {@code schedule:<name>:<tick>}, so any number of nodes registering the same
   * schedule make one task per tick. Such schedules live in this process only: every node registers its
   * own, as code does. For one kept in the store and run by every node, see {@link #putSchedule}. A code
   * schedule wins over a stored one of the same name on this node (a WARN says so).
   *
   * @throws IllegalArgumentException if the schedule's tolerance is not shorter than the retention
   * @throws PayloadTooLargeException if its task's payload is over the size limit
   */
  public Errand schedule(Schedule schedule) {
    scheduler.register(checkPayload(schedule));
    return this;
  }

  private Schedule checkPayload(Schedule schedule) {
    Objects.requireNonNull(schedule, "schedule");
    if (schedule.task().payload().size() > settings.maxPayloadBytes()) {
      throw new PayloadTooLargeException(schedule.task().payload().size(), settings.maxPayloadBytes());
    }
    return schedule;
  }

  /** Removes the code schedule named {@code name}; returns whether there was one. Enqueued ticks stay. */
  public boolean unschedule(String name) {
    return scheduler.remove(name);
  }

  /**
   * Keeps {@code schedule} in the store, replacing any stored schedule of the same name, so that every
   * Errand on the store runs it (within its {@link Builder#scheduleSyncInterval}; this one at once) and
   * it survives restarts. Ticks are enqueued exactly once as for {@link #schedule}. This is what the
   * server's {@code PUT /v1/schedules/{name}} calls.
   *
   * @return the definition as stored, with its version
   * @throws ScheduleConflictException if this Errand has a code schedule of that name
   * @throws IllegalArgumentException if the schedule's tolerance is not shorter than the retention
   * @throws PayloadTooLargeException if its task's payload is over the size limit
   * @throws UnsupportedOperationException if the store keeps no schedules ({@link ScheduleStore})
   */
  public StoredSchedule putSchedule(Schedule schedule) {
    return scheduler.put(checkPayload(schedule));
  }

  /**
   * Deletes the stored schedule {@code name}: no Errand on the store runs it once it has synced. Returns
   * whether there was one; a code schedule of that name is not touched. Enqueued ticks stay.
   *
   * @throws UnsupportedOperationException if the store keeps no schedules ({@link ScheduleStore})
   */
  public boolean deleteSchedule(String name) {
    return scheduler.delete(Names.require("name", name));
  }

  /**
   * Every schedule this Errand runs, by name, with where it comes from and its next and last fire times
   * as of now: those registered in code, and the stored ones (but not a stored one whose name a code
   * schedule has). While the scheduler runs, stored schedules are as of its last sync; otherwise they
   * are read from the store now.
   */
  public List<ScheduleInfo> schedules() {
    if (!scheduler.running()) {
      scheduler.sync();
    }
    return scheduler.list();
  }

  // ---------------------------------------------------------------- queries and control

  public Optional<Task> find(TaskId id) {
    return store.get(id);
  }

  /** @throws TaskNotFoundException if no task has this id */
  public Task get(TaskId id) {
    return store.get(id).orElseThrow(() -> new TaskNotFoundException(id));
  }

  /** The task's failed attempts, oldest first (see {@link TaskStore#errors}); empty for an unknown id. */
  public List<AttemptError> errors(TaskId id) {
    return store.errors(id);
  }

  public TaskPage list(TaskQuery query) {
    return store.list(query);
  }

  /** The SCHEDULED and RETRYING tasks, soonest next run first; see {@link TaskStore#listDue}. */
  public DuePage listDue(DueQuery query) {
    return store.listDue(query);
  }

  /** Runs SCHEDULED and RETRYING tasks now instead of at their runAt; see {@link TaskStore#runNow}. */
  public int runNow(RunNowRequest request) {
    return store.runNow(request);
  }

  public List<QueueInfo> queues() {
    return store.queues();
  }

  /**
   * Cancels a task that has not finished (a running task's worker will find its lease gone).
   *
   * @return the cancelled task, or the task unchanged if it had already finished
   * @throws TaskNotFoundException if no task has this id
   */
  public CancelResult cancel(TaskId id) {
    CancelResult result = store.cancel(new CancelRequest(id));
    if (result.status() == CancelResult.Status.NOT_FOUND) {
      throw new TaskNotFoundException(id);
    }
    if (result.status() == CancelResult.Status.CANCELLED) {
      settings.listener().cancelled(result.task());
    }
    return result;
  }

  /**
   * Waits up to {@code timeout} for the task to finish (SUCCEEDED, DEAD or CANCELLED) and returns it:
   * finished, or as it is at the timeout (check {@link Task#state()}). Returns at once if it has finished.
   * Holds no thread but the caller's and reads the store only when the task may have finished; a finish
   * on another node sharing the store is seen within {@link FinishWaiters#RECHECK}.
   *
   * @throws TaskNotFoundException if no task has this id
   */
  public Task await(TaskId id, Duration timeout) throws InterruptedException {
    try {
      return awaitAsync(id, timeout).get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * {@link #await} without holding the caller's thread: the future completes with the task once it has
   * finished, or as it is at the timeout (completed exceptionally if the store fails then). Subscribes
   * before it reads the task, so a finish in between is not missed. Cancelling the future stops the wait.
   *
   * @throws TaskNotFoundException if no task has this id
   */
  public CompletableFuture<Task> awaitAsync(TaskId id, Duration timeout) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(timeout, "timeout");
    return finishWaiters.await(id, timeout);
  }

  /**
   * Cancels every unfinished task matching {@code filter} (queue, type, state, creation window; its limit
   * and cursor are ignored), one by one; returns how many were cancelled, or with {@code dryRun} how many
   * match now. See {@link BulkActions} for what "matching" means while tasks move.
   *
   * @throws IllegalArgumentException if the filter names a finished state
   */
  public int cancelMatching(TaskQuery filter, boolean dryRun) {
    return bulk.apply(filter, BulkActions.CANCELLABLE, dryRun, t -> {
      CancelResult r = store.cancel(new CancelRequest(t.id()));
      if (r.status() == CancelResult.Status.CANCELLED) {
        settings.listener().cancelled(r.task());
        return true;
      }
      return false;
    });
  }

  /**
   * Runs now every task matching {@code filter} that waits for a retry or its run time (RETRYING,
   * SCHEDULED: they keep their attempt) or is DEAD (replayed with a fresh set of attempts); returns how
   * many, or with {@code dryRun} how many match now.
   *
   * @throws IllegalArgumentException if the filter names another state
   */
  public int retryMatching(TaskQuery filter, boolean dryRun) {
    return bulk.apply(filter, BulkActions.RETRYABLE, dryRun, t -> t.state() == TaskState.DEAD
        ? store.replayDead(DeadFilter.of(t.id())) > 0
        : store.runNow(RunNowRequest.of(t.id())) > 0);
  }

  public void pause(String queue) {
    store.pauseQueue(new QueuePauseRequest(queue, true));
  }

  public void resume(String queue) {
    store.pauseQueue(new QueuePauseRequest(queue, false));
  }

  /**
   * Sets the queue's cluster-wide flow limits (a cap on RUNNING tasks, a token-bucket rate), kept in
   * the store so every node claims under them; {@link QueueLimits#NONE} clears them.
   *
   * @throws UnsupportedOperationException if the store has no flow limits ({@link QueueLimitStore})
   */
  public void limits(String queue, QueueLimits limits) {
    store.capability(QueueLimitStore.class).orElseThrow(() ->
        new UnsupportedOperationException("store " + store.name() + " has no flow limits"))
        .limitQueue(new QueueLimitsRequest(queue, limits));
  }

  /**
   * The dead tasks grouped by their error's first line, counted by the store, or empty if the store
   * cannot ({@link DeadGroupStore}).
   */
  public Optional<DeadGroups> deadGroups(DeadGroupQuery query) {
    return store.capability(DeadGroupStore.class).map(groups -> groups.deadGroups(query));
  }

  /** Dead tasks matching {@code filter} back to READY with a fresh set of attempts; returns how many. */
  public int replay(DeadFilter filter) {
    return store.replayDead(filter);
  }

  /** Deletes dead tasks matching {@code filter}; returns how many. */
  public int purge(DeadFilter filter) {
    return store.purgeDead(filter);
  }

  // ---------------------------------------------------------------- remote worker protocol

  /**
   * Claims up to {@code max} tasks of {@code queue} for a worker outside this process, waiting up to
   * {@code wait} for one to come. Used by the HTTP worker protocol.
   */
  public List<Task> claim(String queue, int max, Duration leaseFor, String workerId, Duration wait)
      throws InterruptedException {
    ClaimRequest request = new ClaimRequest(queue, max, leaseFor, workerId);
    Instant deadline = settings.clock().instant().plus(wait);
    while (true) {
      List<Task> tasks = store.claim(request).tasks();
      if (!tasks.isEmpty()) {
        tasks.forEach(settings.listener()::claimed);
        return tasks;
      }
      Duration left = Duration.between(settings.clock().instant(), deadline);
      if (left.isNegative() || left.isZero()) {
        return List.of();
      }
      idle.await(new WaitRequest(Set.of(queue), left.compareTo(settings.pollInterval()) < 0 ? left : settings.pollInterval()));
    }
  }

  /**
   * Extends a remote worker's lease; returns its new expiry, never past the task's timeout plus its grace.
   *
   * @throws StaleLeaseException if the lease was lost, or the attempt has outlived the task's timeout
   * @throws TaskNotFoundException if no task has this id
   */
  public Instant heartbeat(TaskId id, String leaseToken, Duration leaseFor) {
    return heartbeat(id, leaseToken, leaseFor, null);
  }

  /**
   * Extends a remote worker's lease and keeps {@code progress} (JSON, or null to keep the task's) as the
   * task's {@link Task#progress}, under the same fence; returns the lease's new expiry.
   *
   * @throws IllegalArgumentException if progress is over {@value Task#MAX_PROGRESS_BYTES} bytes
   * @throws StaleLeaseException if the lease was lost, or the attempt has outlived the task's timeout
   * @throws TaskNotFoundException if no task has this id
   */
  public Instant heartbeat(TaskId id, String leaseToken, Duration leaseFor, Json progress) {
    if (progress != null && progress.size() > Task.MAX_PROGRESS_BYTES) {
      throw new IllegalArgumentException("progress is " + progress.size() + " bytes, over the limit of "
          + Task.MAX_PROGRESS_BYTES);
    }
    ExtendResult result = store.extendMany(new ExtendRequest(List.of(new LeaseRef(id, leaseToken, progress)),
        leaseFor));
    Instant until = result.extended().get(id);
    if (until == null) {
      // Telling a stale token from an unknown task costs a read, only on this rare path.
      if (store.get(id).isEmpty()) {
        throw new TaskNotFoundException(id);
      }
      throw new StaleLeaseException(id);
    }
    return until;
  }

  /**
   * Completes a remote worker's task.
   *
   * @throws StaleLeaseException if its lease was lost
   * @throws TaskNotFoundException if no task has this id
   */
  public void complete(TaskId id, String leaseToken, Json result) {
    complete(new WorkerCompletion(id, leaseToken, result));
  }

  /**
   * Completes a remote worker's task, with the tasks it enqueues on success.
   *
   * @throws StaleLeaseException if its lease was lost (then none of its tasks is enqueued)
   * @throws TaskNotFoundException if no task has this id
   * @throws PayloadTooLargeException if a task to enqueue has a payload over the size limit
   */
  public void complete(WorkerCompletion completion) {
    switch (completeMany(List.of(completion)).getFirst()) {
      case COMPLETED -> { }
      case STALE_LEASE -> throw new StaleLeaseException(completion.id());
      case NOT_FOUND -> throw new TaskNotFoundException(completion.id());
    }
  }

  /**
   * Completes many remote workers' tasks with one store write, each fenced by its own token together with
   * the tasks it enqueues, and answers each in order. A stale or unknown one changes nothing and does not
   * stop the others.
   *
   * @throws IllegalArgumentException if a task id appears twice
   * @throws PayloadTooLargeException if a task to enqueue has a payload over the size limit
   */
  public List<CompletionStatus> completeMany(List<WorkerCompletion> completions) {
    List<Completion> writes = new ArrayList<>(completions.size());
    Set<TaskId> ids = new HashSet<>();
    for (int i = 0; i < completions.size(); i++) {
      WorkerCompletion c = completions.get(i);
      if (!ids.add(c.id())) {
        throw new IllegalArgumentException("completions[" + i + "]: task " + c.id() + " appears twice");
      }
      writes.add(new Completion(c.id(), c.leaseToken(), new Completion.Succeeded(c.result()),
          c.enqueue().isEmpty() ? Completion.FollowUps.NONE : Completion.FollowUps.inserting(resolve(c.enqueue()))));
    }
    ErrandListener listener = settings.listener();
    // The listener gets each task and its run time on the store's clock (claim to finish): the store returns
    // them from the statement that completes them, and only when someone listens.
    CompleteResult result = store.completeMany(new CompleteRequest(writes, userListens));
    for (Task t : result.tasks()) {
      listener.succeeded(t, t.startedAt() != null && t.finishedAt() != null
          ? Duration.between(t.startedAt(), t.finishedAt()) : Duration.ZERO);
    }
    Set<TaskId> stale = Set.copyOf(result.stale());
    List<CompletionStatus> statuses = new ArrayList<>(completions.size());
    for (WorkerCompletion c : completions) {
      // Telling a stale token from an unknown task costs a read, only on this rare path.
      statuses.add(!stale.contains(c.id()) ? CompletionStatus.COMPLETED
          : store.get(c.id()).isPresent() ? CompletionStatus.STALE_LEASE : CompletionStatus.NOT_FOUND);
      if (!stale.contains(c.id())) {
        finishWaiters.finished(c.id()); // the listener heard it only if the store returned the task
      }
    }
    return statuses;
  }

  /**
   * Fails a remote worker's attempt: retried with the task's backoff while attempts remain and the error
   * is {@code retryable}, else DEAD.
   *
   * @throws StaleLeaseException if its lease was lost
   * @throws TaskNotFoundException if no task has this id
   */
  public void fail(TaskId id, String leaseToken, String error, boolean retryable) {
    fail(id, leaseToken, error, retryable, null);
  }

  /**
   * As {@link #fail(TaskId, String, String, boolean)}, and a retry runs no sooner than {@code retryAfter}
   * (null: the backoff alone decides): the wait is the larger of the two. It does not make a task that
   * has used its attempts, or a non-retryable error, retry.
   */
  public void fail(TaskId id, String leaseToken, String error, boolean retryable, Duration retryAfter) {
    Task task = leased(id, leaseToken);
    Completion.Outcome outcome = handlers.failureOutcome(task, error, retryable, settings.random());
    if (retryAfter != null && outcome instanceof Completion.Retry r && r.delay().compareTo(retryAfter) < 0) {
      outcome = new Completion.Retry(retryAfter, r.error());
    }
    settle(id, leaseToken, outcome);
    switch (outcome) {
      case Completion.Retry r -> settings.listener().retrying(task, r.error(), r.delay());
      case Completion.Dead d -> settings.listener().dead(task, d.error());
      default -> { }
    }
  }

  /**
   * Releases a remote worker's task to run again after {@code delay} without burning its attempt, as a
   * handler's {@link TaskFailure#snooze} does: SCHEDULED at the store's now plus delay (READY for zero).
   *
   * @throws StaleLeaseException if its lease was lost
   * @throws TaskNotFoundException if no task has this id
   */
  public void snooze(TaskId id, String leaseToken, Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative: " + delay);
    }
    Task task = leased(id, leaseToken);
    settle(id, leaseToken, new Completion.Release(delay));
    settings.listener().released(task);
  }

  /** The task if {@code leaseToken} is its current lease's. */
  private Task leased(TaskId id, String leaseToken) {
    Task task = store.get(id).orElseThrow(() -> new TaskNotFoundException(id));
    if (task.lease() == null || !task.lease().token().equals(leaseToken)) {
      throw new StaleLeaseException(id);
    }
    return task;
  }

  private void settle(TaskId id, String leaseToken, Completion.Outcome outcome) {
    if (!store.completeMany(new CompleteRequest(List.of(new Completion(id, leaseToken, outcome)))).stale().isEmpty()) {
      if (store.get(id).isEmpty()) {
        throw new TaskNotFoundException(id);
      }
      throw new StaleLeaseException(id);
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Stops claiming, lets running tasks finish within the grace period, then releases the rest without
   * burning their attempt. Returns when the workers have stopped; the store stays open.
   */
  public void stop() {
    scheduler.stop();
    WorkerRuntime r = runtime;
    if (r != null) {
      r.stop(settings.shutdownGrace());
    }
    try {
      pruner.stop(System.nanoTime() + HOUSEKEEPING_STOP.toNanos());
      sweeper.stop(System.nanoTime() + HOUSEKEEPING_STOP.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@link #stop()}, then closes the store. */
  @Override
  public void close() {
    stop();
    finishWaiters.close();
    store.close();
  }

  /** Builds an {@link Errand}. Every setter checks its argument; {@link #build()} checks the rest. */
  public static final class Builder {
    private TaskStore store;
    private Clock clock = Clock.systemUTC();
    private ObjectMapper mapper = Json.DEFAULT_MAPPER;
    private String workerId;
    private final Map<String, Integer> queues = new LinkedHashMap<>();
    private final Map<String, TypeDefaults> typeDefaults = new LinkedHashMap<>();
    private Duration leaseDuration = Duration.ofSeconds(30);
    private Duration heartbeatInterval;
    private Duration pollInterval = Duration.ofSeconds(1);
    private Duration shutdownGrace = Duration.ofSeconds(30);
    private Duration retention = Duration.ofDays(7);
    private Duration pruneInterval = Duration.ofMinutes(1);
    private Duration leaseSweepInterval = Duration.ofSeconds(1);
    private long maxPayloadBytes = 1 << 20;
    private RetryPolicy retry = RetryPolicy.DEFAULT;
    private Duration timeout = Duration.ofMinutes(30);
    private ErrandListener listener = ErrandListener.NONE;
    private int completionBatchSize = 1000;
    private Duration completionFlushDelay = Duration.ofMillis(2);
    private int maxClaimBatch = 100;
    private Long seed;
    private boolean runWorkers = true;
    private boolean runSchedules = true;
    private Duration scheduleSyncInterval = SchedulerRuntime.DEFAULT_SYNC_INTERVAL;
    private final List<TaskInterceptor> interceptors = new ArrayList<>();
    private final Map<String, TaskExecutor> executors = new LinkedHashMap<>();
    private Function<TaskSpec, TraceContext> traceContext;

    private Builder() {}

    public Builder store(TaskStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /** The clock for local timing (timeouts, retention cut-offs, schedule ticks). Leases use the store's clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Decodes payloads for handlers and encodes their results. */
    public Builder objectMapper(ObjectMapper mapper) {
      this.mapper = Objects.requireNonNull(mapper, "objectMapper");
      return this;
    }

    public Builder workerId(String workerId) {
      this.workerId = WorkerIds.require("workerId", workerId);
      return this;
    }

    /** Runs workers for {@code queue} with at most {@code concurrency} tasks at once in this process. */
    public Builder queue(String queue, int concurrency) {
      Names.require("queue", queue);
      if (concurrency < 1 || concurrency > 100_000) {
        throw new IllegalArgumentException("concurrency of queue " + queue + " must be in 1..100000: " + concurrency);
      }
      if (queues.putIfAbsent(queue, concurrency) != null) {
        throw new IllegalArgumentException("queue " + queue + " is configured twice");
      }
      return this;
    }

    public Builder leaseDuration(Duration d) {
      this.leaseDuration = positive("leaseDuration", d);
      return this;
    }

    public Builder heartbeatInterval(Duration d) {
      this.heartbeatInterval = positive("heartbeatInterval", d);
      return this;
    }

    /** How long an idle worker waits before claiming again when the store sends no signal. */
    public Builder pollInterval(Duration d) {
      this.pollInterval = positive("pollInterval", d);
      return this;
    }

    public Builder shutdownGrace(Duration d) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException("shutdownGrace must not be negative: " + d);
      }
      this.shutdownGrace = d;
      return this;
    }

    /** How long SUCCEEDED and CANCELLED tasks (and their results) are kept. DEAD tasks stay until purged. */
    public Builder retention(Duration d) {
      this.retention = positive("retention", d);
      return this;
    }

    /**
     * How often this node takes back leases that ran out (default 1 s), so that a task whose worker
     * vanished is claimable again, or DEAD on its final attempt, about this long after its lease ended.
     */
    public Builder leaseSweepInterval(Duration d) {
      this.leaseSweepInterval = positive("leaseSweepInterval", d);
      return this;
    }

    public Builder pruneInterval(Duration d) {
      this.pruneInterval = positive("pruneInterval", d);
      return this;
    }

    public Builder maxPayloadBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxPayloadBytes must be positive: " + bytes);
      }
      this.maxPayloadBytes = bytes;
      return this;
    }

    /** The retry policy of tasks whose spec and type set none. */
    public Builder retry(RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    /** {@code type}'s own retry policy and timeout, for its tasks whose spec sets none. */
    public Builder typeDefaults(String type, TypeDefaults defaults) {
      Names.require("type", type);
      if (typeDefaults.putIfAbsent(type, Objects.requireNonNull(defaults, "defaults")) != null) {
        throw new IllegalArgumentException("defaults of type " + type + " are configured twice");
      }
      return this;
    }

    /** The execution time limit of tasks whose spec and type set none. */
    public Builder timeout(Duration d) {
      this.timeout = positive("timeout", d);
      return this;
    }

    public Builder listener(ErrandListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Most completions written in one store call. */
    public Builder completionBatchSize(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("completionBatchSize must be positive: " + n);
      }
      this.completionBatchSize = n;
      return this;
    }

    /** How long the completer waits to gather more completions before it writes a partial batch. */
    public Builder completionFlushDelay(Duration d) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException("completionFlushDelay must not be negative: " + d);
      }
      this.completionFlushDelay = d;
      return this;
    }

    /** Most tasks one claim takes (never more than the queue's free slots). */
    public Builder maxClaimBatch(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxClaimBatch must be positive: " + n);
      }
      this.maxClaimBatch = n;
      return this;
    }

    /** Seeds the backoff jitter, for reproducible tests. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Whether {@link Errand#start()} runs workers; off for a node that only runs schedules. On by default. */
    public Builder runWorkers(boolean run) {
      this.runWorkers = run;
      return this;
    }

    /** Whether {@link Errand#start()} runs the registered and stored schedules. On by default. */
    public Builder runSchedules(boolean run) {
      this.runSchedules = run;
      return this;
    }

    /**
     * How often the scheduler reads the stored schedules, so that one put or deleted through another
     * node takes effect here within this long; 5 s by default. Each read is one small store query.
     */
    public Builder scheduleSyncInterval(Duration d) {
      this.scheduleSyncInterval = positive("scheduleSyncInterval", d);
      return this;
    }

    /**
     * Adds an interceptor around every run of this Errand's workers (see {@link TaskInterceptor}); they
     * run in the order added, the first outermost, inside Errand's own steps and around the executor.
     */
    public Builder interceptor(TaskInterceptor interceptor) {
      interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /**
     * Registers the executor of the tasks of {@code kind} (see {@link TaskSpec.Builder#kind}); the kind
     * {@value TaskSpec#HANDLER_KIND} is Errand's own, for the handlers given to {@link Errand#handle}.
     */
    public Builder executor(String kind, TaskExecutor executor) {
      Names.require("kind", kind);
      Objects.requireNonNull(executor, "executor");
      if (kind.equals(TaskSpec.HANDLER_KIND)) {
        throw new IllegalArgumentException("kind " + kind + " is run by the handlers given to Errand.handle");
      }
      if (executors.putIfAbsent(kind, executor) != null) {
        throw new IllegalArgumentException("an executor for kind " + kind + " is already registered");
      }
      return this;
    }

    /**
     * Where an enqueue finds the caller's current trace context: a task enqueued without a
     * {@code traceparent} header gets the supplier's (none if it returns null), and its runs continue
     * that trace (see {@link TaskContext#traceContext()}). Called once per task enqueued.
     */
    public Builder traceContext(Supplier<TraceContext> current) {
      Objects.requireNonNull(current, "traceContext");
      this.traceContext = spec -> current.get();
      return this;
    }

    /**
     * {@link #traceContext(Supplier)} for a tracer that makes a span per task enqueued (a messaging
     * "create" span, say) and so needs to know the task: called with each spec that has no
     * {@code traceparent} header, its answer (or none, for null) is stored as the task's.
     */
    public Builder traceContextFor(Function<TaskSpec, TraceContext> forTask) {
      this.traceContext = Objects.requireNonNull(forTask, "traceContextFor");
      return this;
    }

    public Errand build() {
      if (store == null) {
        throw new IllegalStateException("store is required");
      }
      Duration heartbeat = heartbeatInterval != null ? heartbeatInterval : leaseDuration.dividedBy(3);
      if (heartbeat.compareTo(leaseDuration) >= 0) {
        throw new IllegalStateException(
            "heartbeatInterval " + heartbeat + " must be shorter than leaseDuration " + leaseDuration);
      }
      return new Errand(this);
    }

    private static Duration positive(String name, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }
  }
}
