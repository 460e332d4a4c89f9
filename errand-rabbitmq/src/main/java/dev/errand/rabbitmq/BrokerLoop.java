package dev.errand.rabbitmq;

import dev.errand.core.loop.LoopService;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * A loop that talks to the broker in short passes (a poll, a confirm deadline), the relay's and the inbox's
 * shape: a pass runs until stopping, and stopping lets the pass under way finish instead of interrupting
 * it, so that a channel is never left half-used by an interrupt.
 */
abstract class BrokerLoop extends LoopService {
  BrokerLoop(Logger log, String name, String what, String threadName, Duration maxBackoff) {
    super(log, name, what, threadName, maxBackoff);
  }

  /** One pass: publish or consume what there is, waiting at most a short deadline. */
  abstract void pass() throws Exception;

  @Override
  protected final boolean runOnce() throws Exception {
    if (stopping()) {
      return false;
    }
    pass();
    return true;
  }

  @Override
  protected final void wakeToStop() {}
}
