package dev.errand.core.internal;

import dev.errand.core.loop.LoopService;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends runs that outlive their task's timeout. One virtual thread sleeps until the earliest deadline
 * among the running executions, hands every run past its deadline to {@code timedOut}, and looks again.
 * A run that starts with an earlier deadline than the one slept for wakes it.
 *
 * <p>Why not a timer per run: scheduling and cancelling a task on a {@code ScheduledThreadPoolExecutor}
 * for every run took its lock twice, kept a heap of every run and woke the timer thread whenever the
 * heap emptied and filled again; with short tasks (the usual case, far inside their timeout) the watch
 * costs a run one volatile read and a comparison, and it wakes only when some run's deadline comes.
 *
 * <p>Threading: {@link #watch} from the run's own thread once its deadline is set; the runtime's running
 * view is read by the watch's thread only. The watch publishes {@link #LOOKING} before it reads the
 * running view, and a run is in that view before its thread reads the watch's wake time, so a run the
 * look missed always sees {@code LOOKING} or an earlier wake time, and no deadline is slept through.
 */
final class TimeoutWatch extends LoopService {
  private static final Logger log = LoggerFactory.getLogger(TimeoutWatch.class);
  /** The wake time while the watch reads the running view: every new run wakes it. */
  private static final long LOOKING = Long.MIN_VALUE;
  /** The longest sleep with nothing due sooner: deadlines further out are looked at again then. */
  private static final long MAX_SLEEP_NANOS = Duration.ofHours(1).toNanos();

  private final Collection<Execution> running;
  private final Consumer<Execution> timedOut;
  private volatile long wakeAt = LOOKING;

  /**
   * @param running a live view of the runs; each must have its deadline set (or not started) when added
   * @param timedOut told once about a still running execution whose deadline passed; may block
   */
  TimeoutWatch(String name, Collection<Execution> running, Consumer<Execution> timedOut) {
    super(log, name, "timeout watch", "errand-timeouts");
    this.running = running;
    this.timedOut = timedOut;
  }

  /** A run has set its deadline; wakes the watch if it sleeps past it. */
  void watch(Execution e) {
    long w = wakeAt;
    if (w == LOOKING || e.deadlineNanos() - w < 0) {
      LockSupport.unpark(thread());
    }
  }

  /** Whether the watch has finished its last look and sleeps (or is about to) until its wake time. */
  boolean asleep() {
    return wakeAt != LOOKING;
  }

  /** Unparks the watch, which then sees it is stopping; deadlines that pass after this are not acted on. */
  @Override
  protected void wakeToStop() {
    LockSupport.unpark(thread());
  }

  /** One look at the running view, then a sleep until the earliest deadline or a wake-up. */
  @Override
  protected boolean runOnce() {
    if (stopping()) {
      return false;
    }
    wakeAt = LOOKING;
    long now = System.nanoTime();
    long earliest = now + MAX_SLEEP_NANOS;
    // If timedOut throws, the wake time stays LOOKING through the backoff, and the next look finds the rest.
    for (Execution e : running) {
      if (!e.isRunning() || !e.started()) {
        continue;
      }
      long deadline = e.deadlineNanos();
      if (deadline - now <= 0) {
        timedOut.accept(e);
      } else if (deadline - earliest < 0) {
        earliest = deadline;
      }
    }
    wakeAt = earliest;
    // Returns early when a run wakes it, including one that did so while it looked (the permit is kept).
    LockSupport.parkNanos(this, earliest - System.nanoTime());
    Thread.interrupted(); // nobody interrupts the watch but the stop flag decides; never leave it set
    return true;
  }
}
