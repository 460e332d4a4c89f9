package dev.errand.spring.internal;

import dev.errand.core.Errand;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the Errand's workers and schedules once the application's beans exist, after registering the
 * handlers {@code beforeStart} adds, and stops them early in the shutdown: in a phase above the web
 * server's, so claiming stops before requests drain, and running tasks get the Errand's grace (shorter than
 * the shutdown phase's timeout) before the rest are released to run elsewhere. The store stays open until
 * the Errand bean is destroyed, so enqueues keep working while the rest of the application stops.
 * Internal: not public API.
 */
public final class ErrandLifecycle implements SmartLifecycle {
  /** Above the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}): stops before it. */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;
  private static final Logger log = LoggerFactory.getLogger(ErrandLifecycle.class);

  private final Errand errand;
  private final Runnable beforeStart;
  private final AtomicBoolean running = new AtomicBoolean();

  public ErrandLifecycle(Errand errand, Runnable beforeStart) {
    this.errand = errand;
    this.beforeStart = beforeStart;
  }

  @Override
  public void start() {
    if (running.compareAndSet(false, true)) {
      beforeStart.run();
      errand.start();
    }
  }

  @Override
  public void stop() {
    if (running.compareAndSet(true, false)) {
      errand.stop();
    }
  }

  /** Stops on a thread of its own, so that other lifecycles of this phase stop at the same time. */
  @Override
  public void stop(Runnable callback) {
    Thread.ofPlatform().name("errand-shutdown-" + errand.workerId()).start(() -> {
      try {
        stop();
      } catch (RuntimeException e) {
        log.error("errand[{}] stop failed", errand.workerId(), e);
      } finally {
        callback.run();
      }
    });
  }

  @Override
  public boolean isRunning() {
    return running.get();
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
