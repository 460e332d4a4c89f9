package dev.errand.spring.internal;

import dev.errand.core.Errand;
import dev.errand.micrometer.QueueGauges;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Binds the queue gauges to the application's registry once every bean exists, and refreshes them every
 * {@link #PERIOD} on a daemon thread of its own, so that a queue new to the store gets its gauges without
 * waiting for a scrape to ask (an application's registry has no before-scrape hook, unlike the server's
 * endpoint). One small store query per period. Stopped when the application closes. Internal: not public API.
 */
public final class QueueGaugeRefresher implements SmartInitializingSingleton, DisposableBean {
  static final Duration PERIOD = Duration.ofSeconds(5);

  private final Errand errand;
  private final MeterRegistry registry;
  private ScheduledExecutorService timer;

  public QueueGaugeRefresher(Errand errand, MeterRegistry registry) {
    this.errand = errand;
    this.registry = registry;
  }

  @Override
  public void afterSingletonsInstantiated() {
    QueueGauges gauges = new QueueGauges(errand::queues, QueueGauges.DEFAULT_TTL, Clock.systemUTC());
    gauges.bindTo(registry);
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "errand-queue-gauges-" + errand.workerId());
      t.setDaemon(true);
      return t;
    });
    // refresh() keeps the last answer when the store fails, so the task never dies of an exception.
    timer.scheduleWithFixedDelay(gauges::refresh, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void destroy() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
