package dev.errand.bench;

import dev.errand.core.Task;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.ClaimResult;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.CompleteResult;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.ForwardingTaskStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A store that breaks the delivery contract once, in a chosen way, to prove the bench notices: it
 * forwards everything to a correct store except for the one fault.
 */
final class FaultyStore extends ForwardingTaskStore {
  enum Fault {
    /** The first completion is acknowledged but never written: a lost task. */
    DROP_A_COMPLETION,
    /** The first claim hands one task out twice: a duplicated run. */
    HAND_OUT_A_TASK_TWICE
  }

  private final Fault fault;
  private final AtomicBoolean done = new AtomicBoolean();

  FaultyStore(TaskStore delegate, Fault fault) {
    super(delegate);
    this.fault = fault;
  }

  @Override
  public String name() {
    return "faulty-" + delegate.name();
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
  public CompleteResult completeMany(CompleteRequest request) {
    if (fault == Fault.DROP_A_COMPLETION && !request.completions().isEmpty() && done.compareAndSet(false, true)) {
      return delegate.completeMany(new CompleteRequest(request.completions().subList(1, request.completions().size())));
    }
    return delegate.completeMany(request);
  }
}
