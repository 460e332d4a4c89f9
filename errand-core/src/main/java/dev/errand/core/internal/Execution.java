package dev.errand.core.internal;

import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskContext;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TraceContext;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.JdbcTransactionalStore;
import dev.errand.core.spi.LeaseRef;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WorkflowStore;
import dev.errand.core.workflow.ParentResult;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One run of one claimed task. Its outcome is decided exactly once, by whoever wins the compare-and-set
 * out of {@link State#RUNNING}: the handler returning, the timeout firing, the heartbeat finding the
 * lease lost, or shutdown releasing it. The winner releases the queue slot; losers change nothing.
 */
final class Execution implements TaskContext {
  enum State { RUNNING, SETTLED, LOST }

  private static final Duration CENTURY = Duration.ofDays(36_525);

  final Task task;
  final LeaseRef lease;
  final Slots slots;
  final long startNanos = System.nanoTime();
  private final TaskStore store;
  private final TaskResolver resolver;
  private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
  volatile Thread thread;
  /** When the handler's time is up, on the {@link System#nanoTime} scale; see {@link #start}. */
  private volatile long deadlineNanos;
  private volatile boolean started;
  private Connection connection;
  /** This run's trace context, set by the trace context interceptor on the run's thread, or null. */
  TraceContext trace;
  /** The handler's follow-ups; only the handler's thread touches it, and the completion after it. */
  private List<NewTask> onSuccess = List.of();
  /** Progress reported since the last heartbeat took it, or null. */
  private final AtomicReference<Json> progress = new AtomicReference<>();

  Execution(Task task, Slots slots, TaskStore store, TaskResolver resolver) {
    this.task = task;
    this.lease = new LeaseRef(task.id(), task.lease().token());
    this.slots = slots;
    this.store = store;
    this.resolver = resolver;
  }

  /** This run's completion with {@code outcome}: a success carries the handler's follow-ups, nothing else does. */
  Completion completion(Completion.Outcome outcome) {
    Completion.FollowUps followUps = outcome instanceof Completion.Succeeded && !onSuccess.isEmpty()
        ? Completion.FollowUps.inserting(onSuccess) : Completion.FollowUps.NONE;
    return new Completion(task.id(), lease.token(), outcome, followUps);
  }

  /** Decides this run's outcome if nobody has; the caller that gets true owns the slot's release. */
  boolean decide(State outcome) {
    if (state.compareAndSet(State.RUNNING, outcome)) {
      slots.release();
      return true;
    }
    return false;
  }

  /** On the handler's thread, as the handler is about to run: its time limit counts from now. */
  void start(Duration timeout) {
    thread = Thread.currentThread();
    deadlineNanos = System.nanoTime() + saturatedNanos(timeout);
    started = true;
  }

  /** Whether {@link #start} ran, and so {@link #deadlineNanos} holds. */
  boolean started() {
    return started;
  }

  long deadlineNanos() {
    return deadlineNanos;
  }

  /** A timeout too long for a long of nanoseconds (about 292 years) is as good as a century. */
  private static long saturatedNanos(Duration timeout) {
    return timeout.compareTo(CENTURY) > 0 ? CENTURY.toNanos() : timeout.toNanos();
  }

  boolean isRunning() {
    return state.get() == State.RUNNING;
  }

  void interrupt() {
    Thread t = thread;
    if (t != null && t != Thread.currentThread()) {
      t.interrupt();
    }
  }

  @Override
  public Task task() {
    return task;
  }

  @Override
  public Optional<TraceContext> traceContext() {
    return Optional.ofNullable(trace);
  }

  @Override
  public void progress(Object value) {
    Json json = value instanceof Json j ? j : Json.encode(value, resolver.mapper());
    if (json.size() > Task.MAX_PROGRESS_BYTES) {
      throw new IllegalArgumentException("progress is " + json.size() + " bytes of JSON, over the limit of "
          + Task.MAX_PROGRESS_BYTES);
    }
    progress.set(json);
  }

  /** This run's lease with the progress reported since the last call, which takes it. */
  LeaseRef leaseWithProgress() {
    Json p = progress.getAndSet(null);
    return p == null ? lease : lease.withProgress(p);
  }

  /** Puts back progress a failed heartbeat did not write, unless a newer report came meanwhile. */
  void unsent(LeaseRef sent) {
    if (sent.progress() != null) {
      progress.compareAndSet(null, sent.progress());
    }
  }

  @Override
  public TaskId enqueueOnSuccess(TaskSpec spec) {
    requireHandlerThread("enqueueOnSuccess()");
    NewTask resolved = resolver.resolve(spec);
    if (onSuccess.isEmpty()) {
      onSuccess = new ArrayList<>();
    }
    onSuccess.add(resolved);
    return resolved.id();
  }

  private void requireHandlerThread(String method) {
    if (thread != Thread.currentThread()) {
      throw new IllegalStateException(method + " is for the handler's own thread, during the handler call");
    }
  }

  @Override
  public List<ParentResult> parents() {
    return store.capability(WorkflowStore.class)
        .map(w -> w.parents(List.of(task.id())).getOrDefault(task.id(), List.of()))
        .orElse(List.of());
  }

  @Override
  public Connection connection() {
    requireHandlerThread("connection()");
    if (connection == null) {
      connection = store.capability(JdbcTransactionalStore.class).orElseThrow(() ->
          new UnsupportedOperationException("store " + store.name() + " cannot join a JDBC transaction"))
          .openTransaction();
    }
    return connection;
  }

  /** The connection the handler opened, or null; only the handler's thread reads it. */
  Connection openedConnection() {
    return connection;
  }
}
