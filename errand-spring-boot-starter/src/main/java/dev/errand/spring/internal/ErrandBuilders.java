package dev.errand.spring.internal;

import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.RetryPolicy;
import dev.errand.core.TaskSpec;
import dev.errand.core.TypeDefaults;
import dev.errand.core.schedule.Schedule;
import dev.errand.spring.ErrandHandler;
import dev.errand.spring.ErrandProperties;
import dev.errand.spring.ErrandSchedule;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.convert.DurationStyle;

/**
 * Turns {@code errand.*} and the handler annotations into the Errand's settings: the queues to serve,
 * each handler type's defaults, and its schedule. A bad value fails the start with a message that names
 * the property or the method. Internal: not public API.
 */
public final class ErrandBuilders {
  /** The concurrency of a queue that a handler names and {@code errand.queues} does not. */
  static final int DEFAULT_CONCURRENCY = 10;

  private ErrandBuilders() {}

  /** Applies the properties except the store and the grace, which the caller decides. */
  public static void apply(ErrandProperties p, List<HandlerMethod> handlers, Errand.Builder b) {
    Map<String, Integer> queues = new LinkedHashMap<>(p.getQueues());
    if (queues.isEmpty()) {
      queues.put(TaskSpec.DEFAULT_QUEUE, DEFAULT_CONCURRENCY);
    }
    for (HandlerMethod h : handlers) {
      queues.putIfAbsent(queueOf(h.handler()), DEFAULT_CONCURRENCY);
    }
    queues.forEach((queue, concurrency) -> {
      if (concurrency == null) {
        throw new IllegalArgumentException("errand.queues." + queue + " needs a concurrency");
      }
      b.queue(queue, concurrency);
    });
    b.runWorkers(p.isRunWorkers()).runSchedules(p.isRunSchedules());
    if (p.getWorkerId() != null) {
      b.workerId(p.getWorkerId());
    }
    if (p.getRetention() != null) {
      b.retention(p.getRetention());
    }
    if (p.getLeaseDuration() != null) {
      b.leaseDuration(p.getLeaseDuration());
    }
    if (p.getHeartbeatInterval() != null) {
      b.heartbeatInterval(p.getHeartbeatInterval());
    }
    if (p.getPollInterval() != null) {
      b.pollInterval(p.getPollInterval());
    }
    if (p.getTimeout() != null) {
      b.timeout(p.getTimeout());
    }
    for (HandlerMethod h : handlers) {
      TypeDefaults defaults = typeDefaults(h);
      if (defaults != null) {
        b.typeDefaults(h.handler().value(), defaults);
      }
    }
  }

  /**
   * The shutdown grace: {@code errand.shutdown-grace}, else three quarters of the shutdown phase's
   * timeout, so that the release of unfinished tasks fits in the phase.
   *
   * @throws IllegalArgumentException if the grace is not shorter than the phase's timeout
   */
  public static Duration shutdownGrace(ErrandProperties p, Duration phaseTimeout) {
    Duration grace = p.getShutdownGrace() != null ? p.getShutdownGrace() : phaseTimeout.multipliedBy(3).dividedBy(4);
    if (grace.compareTo(phaseTimeout) >= 0) {
      throw new IllegalArgumentException("errand.shutdown-grace " + grace + " must be shorter than"
          + " spring.lifecycle.timeout-per-shutdown-phase " + phaseTimeout + ", to leave time to release unfinished tasks");
    }
    return grace;
  }

  /** The schedule of a handler that has {@link ErrandSchedule}, in its zone or {@code errand.schedule-zone}. */
  public static Schedule schedule(HandlerMethod h, String defaultZone) {
    ErrandSchedule s = h.schedule();
    String zone = !s.zone().isEmpty() ? s.zone() : defaultZone;
    if (zone == null || zone.isBlank()) {
      throw new IllegalStateException("@ErrandSchedule on " + h.describe() + " names no zone: set its zone"
          + " or errand.schedule-zone (the JVM's default zone is never used silently)");
    }
    ZoneId zoneId;
    try {
      zoneId = ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw new IllegalStateException("@ErrandSchedule on " + h.describe() + ": zone " + zone + " is not a time zone", e);
    }
    try {
      TaskSpec task = TaskSpec.builder(h.handler().value()).queue(queueOf(h.handler()))
          .payload(Json.parse(s.payload())).build();
      return Schedule.builder(s.name().isEmpty() ? h.handler().value() : s.name())
          .cron(s.cron()).zone(zoneId).task(task).build();
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("@ErrandSchedule on " + h.describe() + ": " + e.getMessage(), e);
    }
  }

  static String queueOf(ErrandHandler h) {
    return h.queue().isEmpty() ? TaskSpec.DEFAULT_QUEUE : h.queue();
  }

  private static TypeDefaults typeDefaults(HandlerMethod h) {
    ErrandHandler a = h.handler();
    ErrandHandler.Retry backoff = a.retry();
    boolean setsRetry = a.maxAttempts() != 0 || !backoff.base().isEmpty() || !backoff.cap().isEmpty();
    if (!setsRetry && a.timeout().isEmpty()) {
      return null;
    }
    try {
      RetryPolicy retry = null;
      if (setsRetry) {
        RetryPolicy d = RetryPolicy.DEFAULT;
        retry = RetryPolicy.of(a.maxAttempts() == 0 ? d.maxAttempts() : a.maxAttempts(),
            backoff.base().isEmpty() ? d.base() : DurationStyle.detectAndParse(backoff.base()),
            backoff.cap().isEmpty() ? d.cap() : DurationStyle.detectAndParse(backoff.cap()));
      }
      Duration timeout = a.timeout().isEmpty() ? null : DurationStyle.detectAndParse(a.timeout());
      return new TypeDefaults(retry, timeout);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("@ErrandHandler on " + h.describe() + ": " + e.getMessage(), e);
    }
  }
}
