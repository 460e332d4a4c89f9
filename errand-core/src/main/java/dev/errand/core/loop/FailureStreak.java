package dev.errand.core.loop;

import dev.errand.core.ErrandException;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * The failure policy every background service shares: log once when a streak of failures starts (the
 * stack trace too, unless it is the store's own {@link ErrandException}, whose message says it all), back
 * off exponentially from 100 ms to 5 s while it lasts, log once when it ends, and keep going. A store
 * outage and a bug in a dependency (an {@code IllegalStateException} from a store wrapper, say) are
 * treated alike: neither stops a loop. Used by one thread. Internal: not public API.
 */
public final class FailureStreak {
  public static final Duration FIRST = Duration.ofMillis(100);
  public static final Duration MAX = Duration.ofSeconds(5);

  private final Logger log;
  private final String name;
  private final String what;
  private final long firstMillis;
  private final long maxMillis;
  private int failures;
  private long backoffMillis;

  /** @param what the work that fails, as in "{@code <name> <what> failed}" */
  public FailureStreak(Logger log, String name, String what) {
    this(log, name, what, FIRST, MAX);
  }

  public FailureStreak(Logger log, String name, String what, Duration first, Duration max) {
    this.log = log;
    this.name = name;
    this.what = what;
    this.firstMillis = first.toMillis();
    this.maxMillis = max.toMillis();
  }

  /** Records a failure; returns how long to wait before the next try. */
  public long failed(Throwable t) {
    backoffMillis = failures++ == 0 ? firstMillis : Math.min(backoffMillis * 2, maxMillis);
    if (failures == 1) {
      if (t instanceof ErrandException) {
        log.warn("{} {} failed, retrying with backoff until it works: {}", name, what, t.toString());
      } else {
        log.warn("{} {} failed unexpectedly, retrying with backoff until it works", name, what, t);
      }
    }
    return backoffMillis;
  }

  /** Records a success; ends the streak, if any, with one line. */
  public void succeeded() {
    if (failures > 0) {
      log.info("{} {} works again after {} failures", name, what, failures);
      failures = 0;
    }
  }

  public int failures() {
    return failures;
  }
}
