package dev.errand.core.internal;

import dev.errand.core.TaskContext;
import dev.errand.core.TaskInterceptor;
import dev.errand.core.spi.Completion;

/**
 * The chain of one run at one link, as OkHttp's {@code RealInterceptorChain}: {@link #proceed} calls
 * link {@code index} with the chain at {@code index + 1}. Each chain object may proceed once, so an
 * interceptor that proceeds twice, or keeps its chain and proceeds after its run, is caught and named;
 * a link that returns null is caught too. The last link is the executor, which does not proceed.
 *
 * <p>One object per link per run, and nothing else: the links are an array shared by every run.
 * Used on the run's own thread only. Internal: not public API.
 */
final class RealTaskChain implements TaskInterceptor.Chain {
  private final TaskInterceptor[] links;
  private final int index;
  private final Execution execution;
  private boolean proceeded;

  RealTaskChain(TaskInterceptor[] links, int index, Execution execution) {
    this.links = links;
    this.index = index;
    this.execution = execution;
  }

  @Override
  public TaskContext context() {
    return execution;
  }

  /** The run itself, for Errand's own links. */
  Execution execution() {
    return execution;
  }

  @Override
  public Completion.Outcome proceed() throws Exception {
    if (index >= links.length) {
      throw new IllegalStateException(caller() + " called proceed(), but it is the last link (the executor)");
    }
    if (proceeded) {
      throw new IllegalStateException(caller() + " called proceed() twice, or after its own call returned:"
          + " an interceptor must proceed exactly once per run");
    }
    proceeded = true;
    TaskInterceptor link = links[index];
    Completion.Outcome outcome = link.intercept(new RealTaskChain(links, index + 1, execution));
    if (outcome == null) {
      throw new IllegalStateException("interceptor " + link.getClass().getName() + " returned no outcome");
    }
    return outcome;
  }

  private String caller() {
    return index == 0 ? "the runtime" : "interceptor " + links[index - 1].getClass().getName();
  }
}
