package dev.errand.bench;

import dev.errand.core.AttemptError;
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
import dev.errand.core.spi.QueuePauseRequest;
import dev.errand.core.spi.RunNowRequest;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.SweepResult;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A store that breaks the delivery contract once, in a chosen way, to prove the bench notices: it
 * forwards everything to a correct store except for the one fault.
 */
final class FaultyStore implements TaskStore {
  enum Fault {
    /** The first completion is acknowledged but never written: a lost task. */
    DROP_A_COMPLETION,
    /** The first claim hands one task out twice: a duplicated run. */
    HAND_OUT_A_TASK_TWICE
  }

  private final TaskStore delegate;
  private final Fault fault;
  private final AtomicBoolean done = new AtomicBoolean();

  FaultyStore(TaskStore delegate, Fault fault) {
    this.delegate = delegate;
    this.fault = fault;
  }

  @Override
  public String name() {
    return "faulty-" + delegate.name();
  }

  @Override
  public InsertResult insertMany(InsertRequest request) {
    return delegate.insertMany(request);
  }

  @Override
  public ClaimResult claim(ClaimRequest request) {
    ClaimResult result = delegate.claim(request);
    if (fault == Fault.HAND_OUT_A_TASK_TWICE && !result.tasks().isEmpty() && done.compareAndSet(false, true)) {
      List<Task> twice = new ArrayList<>(result.tasks());
      twice.add(result.tasks().get(0));
      return new ClaimResult(twice);
    }
    return result;
  }

  @Override
  public ExtendResult extendMany(ExtendRequest request) {
    return delegate.extendMany(request);
  }

  @Override
  public SweepResult sweepExpiredLeases(SweepRequest request) {
    return delegate.sweepExpiredLeases(request);
  }

  @Override
  public CompleteResult completeMany(CompleteRequest request) {
    if (fault == Fault.DROP_A_COMPLETION && !request.completions().isEmpty() && done.compareAndSet(false, true)) {
      return delegate.completeMany(new CompleteRequest(request.completions().subList(1, request.completions().size())));
    }
    return delegate.completeMany(request);
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
  public int prune(PruneRequest request) {
    return delegate.prune(request);
  }

  /** The faults are in the delivery contract; every optional power is the correct store's own. */
  @Override
  public <T> Optional<T> capability(Class<T> type) {
    return type.isInstance(this) ? Optional.of(type.cast(this)) : delegate.capability(type);
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
