package dev.errand.core.internal;

import dev.errand.core.ErrandException;
import dev.errand.core.ErrandListener;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskFailure;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an Errand's workers: one {@link QueueWorker} per queue claims, each task runs on its own virtual
 * thread, a {@link BatchCompleter} writes outcomes in batches, one heartbeat extends every lease this
 * process holds in one store call, and one {@link TimeoutWatch} ends the runs that outlive their timeout.
 *
 * <p>A task stays in {@link #running} from claim until its completion is written, so the heartbeat keeps
 * its lease alive even while the completion waits in the buffer. Internal: not public API.
 */
public final class WorkerRuntime {
  private static final Logger log = LoggerFactory.getLogger(WorkerRuntime.class);
  private static final int HEARTBEAT_BATCH = 1000;

  private final TaskStore store;
  private final Settings settings;
  private final HandlerRegistry handlers;
  private final TaskResolver resolver;
  private final ErrandListener listener;
  private final String name;
  private final Map<TaskId, Execution> running = new ConcurrentHashMap<>();
  private final List<QueueWorker> workers = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final BatchCompleter completer;
  private final TimeoutWatch timeouts;
  private volatile boolean stopping;

  public WorkerRuntime(TaskStore store, Settings settings, HandlerRegistry handlers, TaskResolver resolver) {
    this.store = store;
    this.settings = settings;
    this.handlers = handlers;
    this.resolver = resolver;
    this.listener = settings.listener();
    this.name = "errand[" + settings.workerId() + "]";
    this.completer = new BatchCompleter(store, name, settings.completionBatchSize(),
        settings.completionFlushDelay(), this::written);
    this.timeouts = new TimeoutWatch(running.values(), this::timedOut);
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
      workers.add(worker);
      threads.add(Thread.ofVirtual().name("errand-queue-" + queue).start(worker));
    }
    threads.add(Thread.ofVirtual().name("errand-heartbeat").start(this::heartbeatLoop));
    log.info("{} started on store {}: queues {}", name, store.name(), settings.queues());
    log.debug("{} settings: {}", name, settings);
  }

  void dispatch(Task task, Slots slots) {
    Execution e = new Execution(task, slots, store, resolver);
    running.put(task.id(), e);
    listener.claimed(task);
    Thread.ofVirtual().name("errand-task-" + task.id()).start(() -> execute(e));
  }

  private void execute(Execution e) {
    e.start(e.task.timeout());
    timeouts.watch(e);
    Completion.Outcome outcome = run(e);
    Thread.interrupted(); // an interrupt aimed at the handler must not hit the completion below
    Connection connection = e.openedConnection();
    if (!e.decide(Execution.State.SETTLED)) {
      rollbackQuietly(connection); // the timeout, the heartbeat or shutdown decided first
      return;
    }
    if (connection != null) {
      outcome = completeInTransaction(e, connection, outcome);
      if (outcome == null) {
        return;
      }
    }
    completer.submit(new BatchCompleter.Pending(e, e.completion(outcome)));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private Completion.Outcome run(Execution e) {
    Task task = e.task;
    HandlerRegistry.Registered registered = handlers.find(task.type());
    if (registered == null) {
      return new Completion.Dead("no handler for type " + task.type() + " on worker " + settings.workerId());
    }
    Object payload;
    try {
      payload = handlers.decode(registered, task.payload());
    } catch (Exception ex) {
      return new Completion.Dead("payload does not decode as " + registered.payloadType().getName() + ": "
          + Failures.truncate(String.valueOf(ex.getMessage())));
    }
    try {
      Object result = registered.handler().handle(e, payload);
      return new Completion.Succeeded(result == null ? null
          : result instanceof Json json ? json : Json.encode(result, handlers.mapper()));
    } catch (TaskFailure f) {
      return f.kind() == TaskFailure.Kind.SNOOZE
          ? new Completion.Release(f.snoozeFor())
          : new Completion.Dead(Failures.describe(f));
    } catch (Throwable t) {
      return handlers.failureOutcome(task, Failures.describe(t), true, settings.random());
    }
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
    } catch (SQLException | ErrandException ex) {
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
    } catch (ErrandException ex) {
      swept = false;
    }
    if (!swept) {
      listener.leaseLost(task);
    }
  }

  private void heartbeatLoop() {
    try {
      while (!stopping) {
        Thread.sleep(settings.heartbeatInterval());
        heartbeat();
      }
    } catch (InterruptedException e) {
      // stopping
    }
  }

  /** Extends every lease this process holds, in batches; a lost lease interrupts its handler. */
  void heartbeat() {
    List<LeaseRef> leases = new ArrayList<>(running.size());
    for (Execution e : running.values()) {
      leases.add(e.lease);
    }
    for (int i = 0; i < leases.size(); i += HEARTBEAT_BATCH) {
      List<LeaseRef> batch = leases.subList(i, Math.min(leases.size(), i + HEARTBEAT_BATCH));
      ExtendResult result;
      try {
        result = store.extendMany(new ExtendRequest(batch, settings.leaseDuration()));
      } catch (ErrandException ex) {
        log.warn("{} heartbeat failed for {} leases: {}", name, batch.size(), ex.toString());
        return;
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
    workers.forEach(QueueWorker::stop);
    threads.forEach(Thread::interrupt);
    try {
      for (Thread t : threads) {
        t.join();
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
      completer.stop(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stopTimeouts();
    }
    log.info("{} stopped", name);
  }

  private void stopTimeouts() {
    try {
      timeouts.stop();
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
