package dev.errand.core.internal;

import dev.errand.core.ErrandListener;
import dev.errand.core.Task;
import java.time.Duration;

/**
 * Two listeners as one, the first called first: the user's (made safe by {@link SafeListener}) and
 * core's own (the finish waiters), which never throws. Internal: not public API.
 */
public record ListenerPair(ErrandListener first, ErrandListener second) implements ErrandListener {

  /** {@code first} and {@code second} as one; {@code second} alone when nobody else listens. */
  public static ErrandListener of(ErrandListener first, ErrandListener second) {
    return first == ErrandListener.NONE ? second : new ListenerPair(first, second);
  }

  @Override
  public void enqueued(Task task) {
    first.enqueued(task);
    second.enqueued(task);
  }

  @Override
  public void claimed(Task task) {
    first.claimed(task);
    second.claimed(task);
  }

  @Override
  public void succeeded(Task task, Duration runTime) {
    first.succeeded(task, runTime);
    second.succeeded(task, runTime);
  }

  @Override
  public void retrying(Task task, String error, Duration retryIn) {
    first.retrying(task, error, retryIn);
    second.retrying(task, error, retryIn);
  }

  @Override
  public void dead(Task task, String error) {
    first.dead(task, error);
    second.dead(task, error);
  }

  @Override
  public void released(Task task) {
    first.released(task);
    second.released(task);
  }

  @Override
  public void leaseLost(Task task) {
    first.leaseLost(task);
    second.leaseLost(task);
  }

  @Override
  public void cancelled(Task task) {
    first.cancelled(task);
    second.cancelled(task);
  }
}
