package dev.errand.core.testkit;

import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.ClaimResult;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.CompleteResult;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.PruneRequest;
import dev.errand.core.spi.TaskStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store wrapper with bugs on demand: {@link #failNext} makes the next calls of one operation throw an
 * {@link IllegalStateException} (not the store's own {@code ErrandException}), as a broken decorator
 * would; everything else goes to the store it wraps. {@link #calls} counts the calls that went through.
 */
public final class FaultInjectingStore extends ForwardingTaskStore {
  /** The operations that can be made to fail. */
  public enum Op { CLAIM, EXTEND, COMPLETE, PRUNE, INSERT }

  private final Map<Op, AtomicInteger> failures = new ConcurrentHashMap<>();
  private final Map<Op, AtomicInteger> calls = new ConcurrentHashMap<>();

  public FaultInjectingStore(TaskStore delegate) {
    super(delegate);
  }

  /** The next {@code times} calls of {@code op} throw IllegalStateException. */
  public FaultInjectingStore failNext(Op op, int times) {
    failures.computeIfAbsent(op, o -> new AtomicInteger()).addAndGet(times);
    return this;
  }

  /** How many calls of {@code op} reached the wrapped store. */
  public int calls(Op op) {
    return calls.computeIfAbsent(op, o -> new AtomicInteger()).get();
  }

  /** How many injected failures of {@code op} are still to come. */
  public int failuresLeft(Op op) {
    return failures.computeIfAbsent(op, o -> new AtomicInteger()).get();
  }

  private void maybeFail(Op op) {
    AtomicInteger left = failures.get(op);
    if (left != null && left.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IllegalStateException("injected fault in " + op);
    }
    calls.computeIfAbsent(op, o -> new AtomicInteger()).incrementAndGet();
  }

  @Override
  public String name() {
    return "faulty(" + delegate.name() + ")";
  }

  @Override
  public InsertResult insertMany(InsertRequest request) {
    maybeFail(Op.INSERT);
    return delegate.insertMany(request);
  }

  @Override
  public ClaimResult claim(ClaimRequest request) {
    maybeFail(Op.CLAIM);
    return delegate.claim(request);
  }

  @Override
  public ExtendResult extendMany(ExtendRequest request) {
    maybeFail(Op.EXTEND);
    return delegate.extendMany(request);
  }

  @Override
  public CompleteResult completeMany(CompleteRequest request) {
    maybeFail(Op.COMPLETE);
    return delegate.completeMany(request);
  }

  @Override
  public int prune(PruneRequest request) {
    maybeFail(Op.PRUNE);
    return delegate.prune(request);
  }
}
