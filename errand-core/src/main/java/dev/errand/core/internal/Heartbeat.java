package dev.errand.core.internal;

import dev.errand.core.loop.LoopService;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Extends every lease this process holds, every {@code interval}: the beat itself is the runtime's
 * ({@code WorkerRuntime#heartbeat}), which throws when the store fails; that failure is logged once per
 * streak and the next beat comes after the backoff. Internal: not public API.
 */
final class Heartbeat extends LoopService {
  private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

  private final Duration interval;
  private final Runnable beat;

  Heartbeat(String name, Duration interval, Runnable beat) {
    super(log, name, "heartbeat", "errand-heartbeat");
    this.interval = interval;
    this.beat = beat;
  }

  @Override
  protected boolean runOnce() throws InterruptedException {
    Thread.sleep(interval);
    beat.run();
    return true;
  }
}
