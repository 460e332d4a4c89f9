package dev.errand.core.internal;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WaitRequest;
import dev.errand.core.spi.WakeUpStore;

/**
 * How a claimer with nothing to claim waits: on the store's native wake-up ({@link WakeUpStore}) when it
 * has one, else by sleeping the wait's whole length, which makes it poll. The power is looked up once.
 * Thread-safe.
 */
public final class IdleWait {
  private final WakeUpStore wakeUp; // null: the store has no wake-up, so waiting is sleeping

  private IdleWait(WakeUpStore wakeUp) {
    this.wakeUp = wakeUp;
  }

  public static IdleWait on(TaskStore store) {
    return new IdleWait(store.capability(WakeUpStore.class).orElse(null));
  }

  /** Returns when work may be claimable or after {@code request.maxWait()}; spurious returns are allowed. */
  public void await(WaitRequest request) throws InterruptedException {
    if (wakeUp != null) {
      wakeUp.awaitWork(request);
    } else {
      Thread.sleep(request.maxWait());
    }
  }
}
