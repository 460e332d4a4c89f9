package dev.errand.core.internal;

import dev.errand.core.TaskExecutor;
import dev.errand.core.TaskInterceptor;
import dev.errand.core.TaskSpec;
import dev.errand.core.ErrandListener;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.loop.Service;
import dev.errand.core.spi.AttemptTimeout;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.JdbcTransactionalStore;
import dev.errand.core.spi.LeaseRef;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WaitRequest;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an Errand's workers: one {@link QueueWorker} per queue claims, each task runs on its own virtual
 * thread, a {@link BatchCompleter} writes outcomes in batches, one heartbeat extends every lease this
 * process holds in one store call, and one {@link TimeoutWatch} ends the runs that outlive their timeout.
 * Each of those is a {@link Service}, started and stopped here.
 *
 * <p>A run is a chain of interceptors ({@link RealTaskChain}), outermost first: the completion (which
 * decides the run's outcome against the timeout, heartbeat and shutdown, then commits it with the
 * handler's JDBC transaction or hands it to the completer, whose write tells the listener), the failure
 * mapping, the deadline, the trace context, the user's interceptors in order, and last the executor of
 * the task's kind. The array of links is built once and shared by every run.
 *
 * <p>A task stays in {@link #running} from claim until its completion is written, so the heartbeat keeps
 * its lease alive even while the completion waits in the buffer. Internal: not public API.
 */
public final class WorkerRuntime {
  private static final Logger log = LoggerFactory.getLogger(WorkerRuntime.class);
  private static final int HEARTBEAT_BATCH = 1000;
  /** How long a loop's store call may hold up shutdown before it is interrupted. */
  private static final Duration LOOP_STOP = Duration.ofSeconds(5);
  /** How long shutdown keeps trying to write the completions it holds. */
  private static final Duration COMPLETER_STOP = Duration.ofSeconds(10);

  private final TaskStore store;
  private final Settings settings;
  private final HandlerRegistry handlers;
  private final TaskResolver resolver;
  private final ErrandListener listener;
  private final String name;
  private final Map<TaskId, Execution> running = new ConcurrentHashMap<>();
  /** By queue; concurrent because an enqueue may look a worker up while start() still adds them. */
  private final Map<String, QueueWorker> workers = new ConcurrentHashMap<>();
  /** Hand-offs offered and not yet settled; shutdown waits for them before it counts what runs. */
  private final AtomicInteger handOffs = new AtomicInteger();
  private final BatchCompleter completer;
  private final TimeoutWatch timeouts;
  private final Heartbeat heartbeat;
  private final TaskInterceptor[] links;
  private volatile boolean stopping;

  /**
   * @param resolver resolves the specs of a handler's follow-ups
   * @param interceptors the user's interceptors, outermost first
   * @param executors the executors of kinds other than {@code handler}, by kind
   */
  public WorkerRuntime(TaskStore store, Settings settings, HandlerRegistry handlers, TaskResolver resolver,
      List<TaskInterceptor> interceptors, Map<String, TaskExecutor> executors) {
    this.store = store;
    this.settings = settings;
    this.handlers = handlers;
    this.resolver = resolver;
    this.listener = settings.listener();
    this.name = "errand[" + settings.workerId() + "]";
    this.completer = new BatchCompleter(store, name, settings.completionBatchSize(),
        settings.completionFlushDelay(), this::written);
    this.timeouts = new TimeoutWatch(name, running.values(), this::timedOut);
    this.heartbeat = new Heartbeat(name, settings.heartbeatInterval(), this::heartbeat);
    Map<String, TaskExecutor> kinds = new HashMap<>(executors);
    kinds.put(TaskSpec.HANDLER_KIND, new HandlerExecutor(handlers, settings.workerId()));
    List<TaskInterceptor> chain = new ArrayList<>();
    chain.add(this::settle);
    chain.add(new FailureMapping(handlers, settings.random()));
    chain.add(this::startDeadline);
    chain.add(new TraceContextInterceptor());
    chain.addAll(interceptors);
    chain.add(new KindExecutors(kinds, settings.workerId()));
    this.links = chain.toArray(TaskInterceptor[]::new);
  }

  String name() {
    return name;
  }

  public void start() {
    completer.start();
    timeouts.start();
    for (Map.Entry<String, Integer> q : settings.queues().entrySet()) {
      String queue = q.getKey();
      QueueWorker worker = new QueueWorker(this, store, queue, q.getValue(), settings.maxClaimBatch(),
          limit -> new ClaimRequest(queue, limit, settings.leaseDuration(), settings.workerId()),
          new WaitRequest(Set.of(queue), settings.pollInterval()));
      workers.put(queue, worker);
      worker.start();
    }
    heartbeat.start();
    log.info("{} started on store {}: queues {}", name, store.name(), settings.queues());
    log.debug("{} settings: {}", name, settings);
  }

  /**
   * A slot of this process's worker of {@code queue}, held for a task about to be inserted, if that
   * worker found its queue drained and waits for work and has a free slot; else null (no worker of the
   * queue here, a busy or full one, or shutdown under way). The caller must {@link HandOff#settle} it.
   * A busy worker is left to claim in batches: only a waiting one gains from skipping its claim.
   */
  public HandOff offer(String queue) {
    QueueWorker worker = workers.get(queue);
    if (worker == null || !worker.waiting()) {
      return null;
    }
    handOffs.incrementAndGet();
    // Checked after the count went up: shutdown sets stopping, then waits for the count to reach zero.
    if (stopping || !worker.slots().tryTakeOne()) {
      handOffs.decrementAndGet();
      return null;
    }
    return new HandOff(this, worker.slots(),
        new ClaimRequest(queue, 1, settings.leaseDuration(), settings.workerId()));
  }

  void handOffSettled() {
    handOffs.decrementAndGet();
  }

  /**
   * Starts a claimed task's run. The listener hears {@code claimed} here, before the run exists for the
   * heartbeat, the timeout or shutdown, so that it never hears a run end before it began (a listener
   * counting running tasks would drift); the ends are heard once durable, from {@link #written}.
   */
  void dispatch(Task task, Slots slots) {
    listener.claimed(task);
    Execution e = new Execution(task, slots, store, resolver);
    running.put(task.id(), e);
    Thread.ofVirtual().name("errand-task-" + task.id()).start(() -> execute(e));
  }

  private void execute(Execution e) {
    try {
      new RealTaskChain(links, 0, e).proceed();
    } catch (Throwable t) {
      // Only Errand's own outermost link runs outside the failure mapping: this is a bug in it.
      log.error("{} running task {} failed outside its handler", name, e.task.id(), t);
      if (e.decide(Execution.State.SETTLED)) {
        completer.submit(new BatchCompleter.Pending(e, new Completion(e.task.id(), e.lease.token(),
            handlers.failureOutcome(e.task, Failures.describe(t), true, settings.random()))));
      }
    }
  }

  /**
   * The outermost link: decides the run's outcome unless the timeout, the heartbeat or shutdown did
   * first, then writes it, in the handler's own transaction if it opened one, else through the completer.
   */
  private Completion.Outcome settle(TaskInterceptor.Chain chain) throws Exception {
    Execution e = ((RealTaskChain) chain).execution();
    Completion.Outcome outcome = chain.proceed();
    Thread.interrupted(); // an interrupt aimed at the handler must not hit the completion below
    Connection connection = e.openedConnection();
    if (!e.decide(Execution.State.SETTLED)) {
      rollbackQuietly(connection);
      return outcome;
    }
    if (connection != null) {
      Completion.Outcome left = completeInTransaction(e, connection, outcome);
      if (left == null) {
        return outcome;
      }
      outcome = left;
    }
    completer.submit(new BatchCompleter.Pending(e, e.completion(outcome)));
    return outcome;
  }

  /** The run's time limit counts from here, before the user's interceptors. */
  private Completion.Outcome startDeadline(TaskInterceptor.Chain chain) throws Exception {
    Execution e = ((RealTaskChain) chain).execution();
    e.start(e.task.timeout());
    timeouts.watch(e);
    return chain.proceed();
  }

  private void timedOut(Execution e) {
    if (e.decide(Execution.State.SETTLED)) {
      e.interrupt();
      String error = AttemptTimeout.error(e.task.timeout());
      completer.submit(new BatchCompleter.Pending(e, new Completion(e.task.id(), e.lease.token(),
          handlers.failureOutcome(e.task, error, true, settings.random()))));
    }
  }

  /**
   * Success commits together with the handler's own writes; failure rolls them back and goes through
   * the completer like any other. Returns the outcome still to write, or null if it was written here.
   */
  private Completion.Outcome completeInTransaction(Execution e, Connection c, Completion.Outcome outcome) {
    // Only a store with this power opened the handler's connection.
    JdbcTransactionalStore jdbc = store.capability(JdbcTransactionalStore.class).orElseThrow();
    try (c) {
      if (!(outcome instanceof Completion.Succeeded)) {
        c.rollback();
        return outcome;
      }
      Completion completion = e.completion(outcome);
      boolean stale = !jdbc.completeMany(c, new CompleteRequest(List.of(completion))).stale().isEmpty();
      if (stale) {
        c.rollback();
      } else {
        c.commit();
      }
      written(new BatchCompleter.Pending(e, completion), stale);
      return null;
    } catch (SQLException | RuntimeException ex) {
      rollbackQuietly(c);
      return handlers.failureOutcome(e.task, "completing in the handler's transaction failed: "
          + Failures.describe(ex), true, settings.random());
    }
  }

  private static void rollbackQuietly(Connection c) {
    if (c == null) {
      return;
    }
    try (c) {
      c.rollback();
    } catch (SQLException ignored) {
      // The transaction is abandoned either way; closing the connection discards it.
    }
  }

  /** Called by the completer once a completion is durable, or refused as stale. */
  private void written(BatchCompleter.Pending p, boolean stale) {
    Execution e = p.execution();
    running.remove(e.task.id(), e);
    Task task = e.task;
    if (stale) {
      lost(task);
      return;
    }
    switch (p.completion().outcome()) {
      case Completion.Succeeded s -> listener.succeeded(task, Duration.ofNanos(System.nanoTime() - e.startNanos));
      case Completion.Retry r -> listener.retrying(task, r.error(), r.delay());
      case Completion.Dead d -> listener.dead(task, d.error());
      case Completion.Release r -> listener.released(task);
    }
  }

  /**
   * Tells the listener this process lost {@code task}'s lease, unless a lease sweep took it back: that
   * sweep, on whichever node ran it, has told its listener already, and one lost lease counts once. A
   * cancellation has not. The read costs a store call on this rare path only.
   */
  private void lost(Task task) {
    boolean swept;
    try {
      swept = store.get(task.id()).map(t -> t.state() != TaskState.CANCELLED).orElse(false);
    } catch (RuntimeException ex) { // told from the completer's thread: whatever the store throws stays here
      swept = false;
    }
    if (!swept) {
      listener.leaseLost(task);
    }
  }

  /**
   * Extends every lease this process holds, in batches; a lost lease interrupts its handler. Throws what
   * the store throws, for the heartbeat service's failure policy; the next beat tries every lease again.
   */
  void heartbeat() {
    List<LeaseRef> leases = new ArrayList<>(running.size());
    for (Execution e : running.values()) {
      leases.add(e.leaseWithProgress());
    }
    for (int i = 0; i < leases.size(); i += HEARTBEAT_BATCH) {
      List<LeaseRef> batch = leases.subList(i, Math.min(leases.size(), i + HEARTBEAT_BATCH));
      ExtendResult result;
      try {
        result = store.extendMany(new ExtendRequest(batch, settings.leaseDuration()));
      } catch (RuntimeException e) {
        // Progress not written now goes with the next beat.
        for (LeaseRef unsent : leases.subList(i, leases.size())) {
          Execution run = running.get(unsent.id());
          if (run != null) {
            run.unsent(unsent);
          }
        }
        throw e;
      }
      for (TaskId id : result.stale()) {
        Execution e = running.get(id);
        if (e != null && e.decide(Execution.State.LOST)) {
          running.remove(id, e);
          e.interrupt();
          lost(e.task);
        }
      }
    }
  }

  /**
   * Stops claiming, waits up to {@code grace} for running handlers, then releases the rest without
   * burning their attempt and writes every outstanding completion.
   */
  public void stop(Duration grace) {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info("{} stopping: {} tasks running, grace {}", name, running.size(), grace);
    try {
      // Claim loops and the heartbeat are woken by an interrupt; the deadline only bounds a stuck store call.
      long loopsDeadline = Service.deadline(LOOP_STOP);
      for (QueueWorker w : workers.values()) {
        w.stop(loopsDeadline);
      }
      heartbeat.stop(loopsDeadline);
      // A task an enqueue is handing to a worker right now is running or given back once this is zero.
      while (handOffs.get() > 0 && System.nanoTime() - loopsDeadline < 0) {
        Thread.sleep(1);
      }
      long deadline = System.nanoTime() + grace.toNanos();
      while (anyRunning() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      int released = 0;
      for (Execution e : running.values()) {
        if (e.decide(Execution.State.SETTLED)) {
          e.interrupt();
          completer.submit(new BatchCompleter.Pending(e,
              new Completion(e.task.id(), e.lease.token(), new Completion.Release(Duration.ZERO))));
          released++;
        }
      }
      if (released > 0) {
        log.info("{} released {} unfinished tasks after the grace period", name, released);
      }
      completer.stop(Service.deadline(COMPLETER_STOP));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stopTimeouts();
    }
    log.info("{} stopped", name);
  }

  private void stopTimeouts() {
    try {
      timeouts.stop(Service.deadline(LOOP_STOP));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean anyRunning() {
    for (Execution e : running.values()) {
      if (e.isRunning()) {
        return true;
      }
    }
    return false;
  }
}
