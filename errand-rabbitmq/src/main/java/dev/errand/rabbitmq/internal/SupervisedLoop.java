package dev.errand.rabbitmq.internal;

import java.time.Duration;
import org.slf4j.Logger;

/**
 * A background loop on its own virtual thread, in the shape of core's loop services (which are internal to
 * core): {@link #runOnce} until stopped; whatever a pass throws is logged once per streak and followed by
 * an exponential backoff (100 ms doubling to {@code maxBackoff}), so a lost broker or store never ends
 * the loop. Stopping sets a flag, interrupts the thread, and joins it until the deadline. Internal: not
 * public API.
 */
public abstract class SupervisedLoop {
  private static final long FIRST_BACKOFF_MILLIS = 100;

  private final Logger log;
  private final String name;
  private final String threadName;
  private final long maxBackoffMillis;
  private volatile boolean stopping;
  private volatile Thread thread;
  private int failures;

  protected SupervisedLoop(Logger log, String name, String threadName, Duration maxBackoff) {
    this.log = log;
    this.name = name;
    this.threadName = threadName;
    this.maxBackoffMillis = maxBackoff.toMillis();
  }

  /** One pass; waits as it needs to. Throws to report a failure and back off. */
  protected abstract void runOnce() throws Exception;

  /** Called on the loop's thread after the last pass, to let go of what it holds. */
  protected void cleanUp() {}

  protected final boolean stopping() {
    return stopping;
  }

  public final void start() {
    if (thread != null) {
      throw new IllegalStateException(name + " already started");
    }
    thread = Thread.ofVirtual().name(threadName).start(this::loop);
  }

  /** Stops the loop, waiting for its current pass until {@code grace} has passed, then interrupting it. */
  public final void stop(Duration grace) throws InterruptedException {
    Thread t = thread;
    if (t == null) {
      return;
    }
    stopping = true;
    if (!t.join(grace)) {
      t.interrupt();
      t.join(Duration.ofSeconds(5));
    }
  }

  private void loop() {
    try {
      while (!stopping) {
        try {
          runOnce();
          if (failures > 0) {
            log.info("{} works again after {} failures", name, failures);
            failures = 0;
          }
        } catch (InterruptedException e) {
          if (stopping) {
            return;
          }
        } catch (Exception | Error e) {
          if (stopping && Thread.currentThread().isInterrupted()) {
            return;
          }
          long backoff = Math.min(maxBackoffMillis, FIRST_BACKOFF_MILLIS << Math.min(failures, 20));
          if (failures++ == 0) {
            log.warn("{} failed, retrying with backoff until it works: {}", name, e.toString());
          }
          try {
            Thread.sleep(backoff);
          } catch (InterruptedException stop) {
            if (stopping) {
              return;
            }
          }
        }
      }
    } finally {
      cleanUp();
    }
  }
}
