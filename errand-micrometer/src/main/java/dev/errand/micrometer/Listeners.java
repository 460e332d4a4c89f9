package dev.errand.micrometer;

import dev.errand.core.ErrandListener;
import dev.errand.core.Task;
import java.time.Duration;
import java.util.List;

/**
 * Several listeners as one, called in order. Each must keep the listener contract (fast, never throws),
 * so none is guarded here: a throwing listener is a bug to fix, not to hide.
 */
public final class Listeners implements ErrandListener {
  private final ErrandListener[] all;

  private Listeners(List<ErrandListener> all) {
    this.all = all.toArray(ErrandListener[]::new);
  }

  public static ErrandListener of(ErrandListener... listeners) {
    return new Listeners(List.of(listeners));
  }

  @Override
  public void enqueued(Task task) {
    for (ErrandListener l : all) {
      l.enqueued(task);
    }
  }

  @Override
  public void claimed(Task task) {
    for (ErrandListener l : all) {
      l.claimed(task);
    }
  }

  @Override
  public void succeeded(Task task, Duration runTime) {
    for (ErrandListener l : all) {
      l.succeeded(task, runTime);
    }
  }

  @Override
  public void retrying(Task task, String error, Duration retryIn) {
    for (ErrandListener l : all) {
      l.retrying(task, error, retryIn);
    }
  }

  @Override
  public void dead(Task task, String error) {
    for (ErrandListener l : all) {
      l.dead(task, error);
    }
  }

  @Override
  public void released(Task task) {
    for (ErrandListener l : all) {
      l.released(task);
    }
  }

  @Override
  public void leaseLost(Task task) {
    for (ErrandListener l : all) {
      l.leaseLost(task);
    }
  }

  @Override
  public void cancelled(Task task) {
    for (ErrandListener l : all) {
      l.cancelled(task);
    }
  }
}
