package dev.errand.core.spi;

import dev.errand.core.AttemptError;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import java.util.List;
import java.util.Optional;

/**
 * A store that forwards every call to another: a decorator (timing, faults for a test, joining a
 * framework's transaction) extends it and overrides only the calls it changes. Capabilities are
 * forwarded too, so no power is lost by wrapping.
 */
public abstract class ForwardingTaskStore implements TaskStore {
  protected final TaskStore delegate;

  protected ForwardingTaskStore(TaskStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public InsertResult insertMany(InsertRequest request) {
    return delegate.insertMany(request);
  }

  @Override
  public ClaimResult claim(ClaimRequest request) {
    return delegate.claim(request);
  }

  @Override
  public ExtendResult extendMany(ExtendRequest request) {
    return delegate.extendMany(request);
  }

  @Override
  public CompleteResult completeMany(CompleteRequest request) {
    return delegate.completeMany(request);
  }

  @Override
  public int prune(PruneRequest request) {
    return delegate.prune(request);
  }

  @Override
  public SweepResult sweepExpiredLeases(SweepRequest request) {
    return delegate.sweepExpiredLeases(request);
  }

  /** This wrapper if it has the power, else whatever the wrapped store has: no power is lost by wrapping. */
  @Override
  public <T> Optional<T> capability(Class<T> type) {
    return type.isInstance(this) ? Optional.of(type.cast(this)) : delegate.capability(type);
  }

  @Override
  public CancelResult cancel(CancelRequest request) {
    return delegate.cancel(request);
  }

  @Override
  public Optional<Task> get(TaskId id) {
    return delegate.get(id);
  }

  @Override
  public List<AttemptError> errors(TaskId id) {
    return delegate.errors(id);
  }

  @Override
  public TaskPage list(TaskQuery query) {
    return delegate.list(query);
  }

  @Override
  public List<QueueInfo> queues() {
    return delegate.queues();
  }

  @Override
  public DuePage listDue(DueQuery query) {
    return delegate.listDue(query);
  }

  @Override
  public int runNow(RunNowRequest request) {
    return delegate.runNow(request);
  }

  @Override
  public void pauseQueue(QueuePauseRequest request) {
    delegate.pauseQueue(request);
  }

  @Override
  public int replayDead(DeadFilter filter) {
    return delegate.replayDead(filter);
  }

  @Override
  public int purgeDead(DeadFilter filter) {
    return delegate.purgeDead(filter);
  }

  @Override
  public void ping() {
    delegate.ping();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
