package dev.errand.server;

import dev.errand.core.Errand;
import dev.errand.core.ErrandListener;
import dev.errand.core.spi.TaskStore;
import dev.errand.micrometer.ErrandMetrics;
import dev.errand.micrometer.Listeners;
import dev.errand.micrometer.QueueGauges;
import dev.errand.rabbitmq.RabbitStatus;
import dev.errand.server.events.EventHub;
import dev.errand.server.metrics.QueueRates;
import dev.errand.server.metrics.Throughput;
import dev.errand.server.metrics.TimedTaskStore;
import dev.errand.server.metrics.WorkerActivity;
import dev.errand.server.metrics.WorkerTracker;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What the server shows about its tasks: a Prometheus registry with Errand's meters and the JVM's, the
 * event hub behind {@code /v1/events}, live workers and the last hour's throughput. Its
 * {@link #listener()} must be the Errand's listener and its {@link #timed} store the Errand's store, or
 * counters and store timings stay at zero:
 *
 * <pre>{@code
 * Observability obs = Observability.create(false);
 * Errand errand = Errand.builder().store(obs.timed(store)).listener(obs.listener()).build();
 * ErrandServer.start(config, errand, obs);
 * }</pre>
 *
 * Thread-safe. {@link ErrandServer} closes it when it stops.
 */
public final class Observability implements AutoCloseable {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final EventHub events;
  private final WorkerTracker workers;
  private final Throughput throughput;
  private final WorkerActivity activity;
  private final QueueRates rates;
  private final ErrandListener listener;
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Clock clock = Clock.systemUTC();
  private volatile Supplier<List<RabbitStatus>> rabbitStatus;
  private volatile QueueGauges queues;

  private Observability(boolean logEvents) {
    this.events = new EventHub("errand-server", clock, EventHub.DEFAULT_BUFFER, logEvents);
    this.workers = new WorkerTracker(clock, WorkerTracker.DEFAULT_WINDOW);
    this.throughput = new Throughput(clock);
    this.activity = new WorkerActivity(clock);
    this.rates = new QueueRates(clock);
    this.listener = Listeners.of(new ErrandMetrics(registry, clock), workers, throughput, activity, rates, events);
    workers.bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  /** @param logEvents also log one JSON line per task state change */
  public static Observability create(boolean logEvents) {
    return new Observability(logEvents);
  }

  /** The listener to give the Errand. */
  public ErrandListener listener() {
    return listener;
  }

  /** {@code store} with every call timed into this registry. */
  public TaskStore timed(TaskStore store) {
    return TimedTaskStore.wrap(store, registry);
  }

  /** Binds the queue gauges to {@code errand}'s queues; the server calls it once at start. */
  void watch(Errand errand) {
    QueueGauges g = new QueueGauges(errand::queues, QueueGauges.DEFAULT_TTL, clock);
    g.bindTo(registry);
    this.queues = g;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition, queue gauges refreshed (at most once per their cache time). */
  public String scrape() {
    QueueGauges g = queues;
    if (g != null) {
      g.refresh();
    }
    return registry.scrape();
  }

  public EventHub events() {
    return events;
  }

  public WorkerTracker workers() {
    return workers;
  }

  public Throughput throughput() {
    return throughput;
  }

  /** Each worker's last hour: queues, running tasks, outcomes. */
  public WorkerActivity activity() {
    return activity;
  }

  /** Each queue's outcomes of the last minutes. */
  public QueueRates rates() {
    return rates;
  }

  /**
   * Where {@code GET /v1/rabbitmq} reads the RabbitMQ relay's and inboxes' status from, once they run;
   * until then (or without a {@code rabbitmq} section) it answers that none is configured.
   */
  public void rabbitStatus(Supplier<List<RabbitStatus>> source) {
    this.rabbitStatus = Objects.requireNonNull(source, "source");
  }

  /** The relay loops' and inboxes' status, or null when none is configured. */
  public List<RabbitStatus> rabbitStatus() {
    Supplier<List<RabbitStatus>> source = rabbitStatus;
    return source == null ? null : source.get();
  }

  @Override
  public void close() {
    events.close();
    gc.close();
    registry.close();
  }
}
