package dev.errand.spring;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Errand's settings under {@code errand.*}. Unset durations keep Errand's own defaults (see
 * {@code Errand.Builder}); nothing here is corrected silently: a bad value fails the application's start
 * with a message naming the property.
 */
@ConfigurationProperties("errand")
public class ErrandProperties {
  /** Whether Errand is configured at all. */
  private boolean enabled = true;
  /**
   * The store's URL ({@code sqlite:DIR}, {@code postgres://user:password@host/db?schema=NAME}). Unset: the
   * application's DataSource, which must be PostgreSQL, holds the tasks in {@code errand.postgres.schema}.
   */
  private String storeUrl;
  /** The queues this node's workers serve, each with the most tasks it runs at once: {@code errand.queues.mail=20}. Default: {@code default=10}. */
  private Map<String, Integer> queues = new LinkedHashMap<>();
  /** Whether this node runs workers; off for a node that only enqueues. */
  private boolean runWorkers = true;
  /** Whether this node fires the schedules (the {@code @ErrandSchedule} methods and the stored schedules). */
  private boolean runSchedules = true;
  /** This node's worker id in leases; default host, pid and a random suffix. */
  private String workerId;
  /** How long SUCCEEDED and CANCELLED tasks are kept (default 7 days). */
  private Duration retention;
  /** How long a claim holds a task before another worker may take it (default 30 s); renewed by the heartbeat. */
  private Duration leaseDuration;
  /** How often running tasks' leases are renewed (default a third of the lease). */
  private Duration heartbeatInterval;
  /** How long an idle worker waits before claiming again when the store sends no signal (default 1 s). */
  private Duration pollInterval;
  /** The execution time limit of tasks whose spec and handler set none (default 30 min). */
  private Duration timeout;
  /**
   * At shutdown, how long running tasks may finish before the rest are released to run elsewhere. Default
   * three quarters of {@code spring.lifecycle.timeout-per-shutdown-phase}; it must be shorter than that.
   */
  private Duration shutdownGrace;
  /**
   * The time zone of every {@code @ErrandSchedule} that names none, such as {@code Europe/Paris} or
   * {@code UTC}. Unset, such a schedule fails the start: a cron is never read in the JVM's zone silently.
   */
  private String scheduleZone;
  private final Postgres postgres = new Postgres();
  private final Health health = new Health();
  private final Tracing tracing = new Tracing();

  /** The store in the application's PostgreSQL DataSource. */
  public static class Postgres {
    /** The schema of Errand's tables in the application's database. */
    private String schema = "errand";
    /** Whether the start creates and upgrades the schema. */
    private boolean migrate = true;

    public String getSchema() {
      return schema;
    }

    public void setSchema(String schema) {
      this.schema = schema;
    }

    public boolean isMigrate() {
      return migrate;
    }

    public void setMigrate(boolean migrate) {
      this.migrate = migrate;
    }
  }

  /** The actuator health indicator {@code errand}: DOWN while the store does not answer. */
  public static class Health {
    /** Off by default: a task store that fails should not take the application out of service unless asked. */
    private boolean enabled;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** Trace propagation when OpenTelemetry and errand-opentelemetry are on the classpath. */
  public static class Tracing {
    /** Whether enqueues and runs get spans and runs continue the enqueuer's trace. */
    private boolean enabled = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getStoreUrl() {
    return storeUrl;
  }

  public void setStoreUrl(String storeUrl) {
    this.storeUrl = storeUrl;
  }

  public Map<String, Integer> getQueues() {
    return queues;
  }

  public void setQueues(Map<String, Integer> queues) {
    this.queues = queues;
  }

  public boolean isRunWorkers() {
    return runWorkers;
  }

  public void setRunWorkers(boolean runWorkers) {
    this.runWorkers = runWorkers;
  }

  public boolean isRunSchedules() {
    return runSchedules;
  }

  public void setRunSchedules(boolean runSchedules) {
    this.runSchedules = runSchedules;
  }

  public String getWorkerId() {
    return workerId;
  }

  public void setWorkerId(String workerId) {
    this.workerId = workerId;
  }

  public Duration getRetention() {
    return retention;
  }

  public void setRetention(Duration retention) {
    this.retention = retention;
  }

  public Duration getLeaseDuration() {
    return leaseDuration;
  }

  public void setLeaseDuration(Duration leaseDuration) {
    this.leaseDuration = leaseDuration;
  }

  public Duration getHeartbeatInterval() {
    return heartbeatInterval;
  }

  public void setHeartbeatInterval(Duration heartbeatInterval) {
    this.heartbeatInterval = heartbeatInterval;
  }

  public Duration getPollInterval() {
    return pollInterval;
  }

  public void setPollInterval(Duration pollInterval) {
    this.pollInterval = pollInterval;
  }

  public Duration getTimeout() {
    return timeout;
  }

  public void setTimeout(Duration timeout) {
    this.timeout = timeout;
  }

  public Duration getShutdownGrace() {
    return shutdownGrace;
  }

  public void setShutdownGrace(Duration shutdownGrace) {
    this.shutdownGrace = shutdownGrace;
  }

  public String getScheduleZone() {
    return scheduleZone;
  }

  public void setScheduleZone(String scheduleZone) {
    this.scheduleZone = scheduleZone;
  }

  public Postgres getPostgres() {
    return postgres;
  }

  public Health getHealth() {
    return health;
  }

  public Tracing getTracing() {
    return tracing;
  }
}
