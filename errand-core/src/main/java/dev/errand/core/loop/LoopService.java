package dev.errand.core.loop;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * A {@link Service} that runs {@link #runOnce} on its own virtual thread until stopped. Whatever a pass
 * throws, short of an interrupt while stopping, goes to the service's {@link FailureStreak}: logged once
 * per streak, then the next pass after the backoff. So a loop never dies of an unexpected exception, and
 * every loop stops the same way: {@link #wakeToStop} on stop (an interrupt, unless a subclass knows better), a
 * join until the deadline, then an interrupt.
 *
 * <p>A new background loop (a lease sweeper, say) is a subclass with a {@code runOnce} that does one
 * pass and then waits for the next, and a {@link #cleanUp} if it holds something to let go of when it ends.
 *
 * <p>In a package of its own, outside {@code internal}, so that Errand's own modules run their loops the
 * same way (the RabbitMQ relay and inbox) without reaching into core's internals, which the build
 * forbids; for Errand's modules, not an application's: it may change in any release.
 */
public abstract class LoopService implements Service {
  private final String threadName;
  private final FailureStreak failures;
  private volatile boolean stopping;
  private volatile Thread thread;

  /**
   * @param name the Errand's name, which starts every log line
   * @param what what one pass does, for the failure log ("claim on queue q", "heartbeat")
   */
  protected LoopService(Logger log, String name, String what, String threadName) {
    this(log, name, what, threadName, FailureStreak.MAX);
  }

  /** @param maxBackoff the longest wait between failed passes (the backoff doubles from 100 ms up to it) */
  protected LoopService(Logger log, String name, String what, String threadName, Duration maxBackoff) {
    this.threadName = threadName;
    this.failures = new FailureStreak(log, name, what, FailureStreak.FIRST, maxBackoff);
  }

  /**
   * One pass, which waits as it needs to (for work, for the next tick). Returns false when the service
   * is done, which a service may decide once {@link #stopping()}; an interrupt while stopping ends it too.
   * Whatever else it throws is a failure: logged once per streak, then the next pass after the backoff.
   */
  protected abstract boolean runOnce() throws Exception;

  /** Runs on the loop's thread once it ends (stopped, or done): lets go of what the loop holds. */
  protected void cleanUp() {}

  /** Wakes a pass that waits, once stopping is set; interrupts the loop's thread unless overridden. */
  protected void wakeToStop() {
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }

  protected final boolean stopping() {
    return stopping;
  }

  protected final Thread thread() {
    return thread;
  }

  @Override
  public void start() {
    thread = Thread.ofVirtual().name(threadName).start(this::loop);
  }

  @Override
  public void stop(long deadlineNanos) throws InterruptedException {
    Thread t = thread;
    if (t == null || stopping) {
      if (t != null) {
        t.join();
      }
      return;
    }
    stopping = true;
    wakeToStop();
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0 || !t.join(Duration.ofNanos(left))) {
      t.interrupt(); // a pass that hangs (a store call, say) must not hang shutdown
      t.join(TimeUnit.SECONDS.toMillis(1));
    }
  }

  private void loop() {
    try {
      while (true) {
        try {
          if (!runOnce()) {
            return;
          }
          failures.succeeded();
        } catch (InterruptedException e) {
          if (stopping) {
            return;
          }
        } catch (Exception | Error e) {
          if (stopping && Thread.currentThread().isInterrupted()) {
            return; // a store call cut short by stop(): not a failure to report
          }
          try {
            Thread.sleep(failures.failed(e));
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
