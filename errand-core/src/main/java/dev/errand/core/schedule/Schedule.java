package dev.errand.core.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.errand.core.Names;
import dev.errand.core.TaskSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.Optional;

/**
 * A periodic task: at each tick, the scheduler enqueues {@link #task()} with runAt = the tick and the
 * idempotency key {@code schedule:<name>:<tick ISO-8601 UTC>}. Any number of nodes may run the same
 * schedule; the key makes exactly one task per tick (see {@code Errand#schedule}). Stores keep keys unique
 * per queue, so the nodes must agree on the task's queue: during a rolling change of a schedule's queue,
 * a tick may get one task in each queue.
 *
 * <p>Ticks come from either a cron expression or a fixed interval:
 * <ul>
 *   <li>{@link Builder#cron} takes a 5-field Unix expression ({@code minute hour day-of-month month
 *       day-of-week}, day-of-week 0-7 with 0 and 7 Sunday) or a 6- or 7-field Quartz expression with
 *       seconds first and an optional year last ({@code second minute hour day-of-month month
 *       day-of-week [year]}, day-of-week 1-7 with 1 Sunday, and one of the two day fields must be
 *       {@code ?}), or a 6-field Spring expression ({@code second minute hour day-of-month month
 *       day-of-week}, day-of-week 0-7 with 0 and 7 Sunday, {@code *} allowed in both day fields, as
 *       in {@code 0 *}{@code /5 * * * *}). A 6-field expression with a {@code ?} is read as Quartz (which
 *       requires one), one without as Spring; the two number the days of the week differently, so
 *       write day names ({@code MON-FRI}) where it matters. Cron ticks are wall-clock times in the schedule's {@link #zone()}; how daylight
 *       saving transitions map them to instants: a wall time that occurs twice (clocks go back) fires
 *       once, at its first occurrence, so an hourly or minutely expression pauses during the repeated
 *       hour; a wall time that does not exist (clocks go forward) fires at the first instant after the
 *       gap, the transition itself, so {@code 30 2 * * *} in Europe/Berlin fires at 03:00 CEST on the
 *       day summer time starts. Several missing wall times collapse into that one instant.
 *   <li>{@link Builder#interval} fires every interval of elapsed time, anchored at {@link #startAt()} if
 *       set, else at the epoch, so that every node computes the same instants. The zone plays no part.
 * </ul>
 *
 * <p>Immutable; only the {@link Builder} makes one, and {@link #newBuilder()} derives a changed copy.
 * Every setter rejects a bad value at once with an IllegalArgumentException naming the field.
 */
public final class Schedule {
  /** How late a tick may still be enqueued (see {@link #tolerance()}) unless the builder sets another. */
  public static final Duration DEFAULT_TOLERANCE = Duration.ofSeconds(10);
  public static final Duration MAX_TOLERANCE = Duration.ofMinutes(10);
  public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

  private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final CronParser QUARTZ = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));
  private static final CronParser SPRING = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING));

  private final String name;
  private final String cron;
  private final Duration interval;
  private final ZoneId zone;
  private final TaskSpec task;
  private final MissedTickPolicy missedTicks;
  private final boolean enabled;
  private final Duration tolerance;
  private final Instant startAt;
  private final Ticks ticks;

  private Schedule(Builder b) {
    this.name = b.name;
    this.cron = b.cron;
    this.interval = b.interval;
    this.zone = b.zone;
    this.task = b.task;
    this.missedTicks = b.missedTicks;
    this.enabled = b.enabled;
    this.tolerance = b.tolerance;
    this.startAt = b.startAt;
    this.ticks = cron != null
        ? Ticks.cron(ExecutionTime.forCron(b.parsedCron), zone, startAt)
        : Ticks.interval(interval, startAt);
  }

  public static Builder builder(String name) {
    return new Builder().name(name);
  }

  /** A cron schedule in UTC; see {@link Builder#cron} for the syntax. */
  public static Schedule cron(String name, String expression, TaskSpec task) {
    return builder(name).cron(expression).task(task).build();
  }

  /** A schedule firing every {@code interval}, anchored at the epoch. */
  public static Schedule every(String name, Duration interval, TaskSpec task) {
    return builder(name).interval(interval).task(task).build();
  }

  public Builder newBuilder() {
    return new Builder(this);
  }

  public String name() {
    return name;
  }

  /** The cron expression as given, or null for an interval schedule. */
  public String cron() {
    return cron;
  }

  /** The fixed interval, or null for a cron schedule. */
  public Duration interval() {
    return interval;
  }

  public ZoneId zone() {
    return zone;
  }

  /** What each tick enqueues; the scheduler adds runAt and the idempotency key. */
  public TaskSpec task() {
    return task;
  }

  public MissedTickPolicy missedTicks() {
    return missedTicks;
  }

  public boolean enabled() {
    return enabled;
  }

  /**
   * How late after its instant a tick may still be enqueued. A running scheduler enqueues every tick in
   * {@code [now - tolerance, now]} it has not enqueued yet, so a node that is briefly slow, or whose
   * store was briefly unreachable, still fires its ticks; a scheduler that starts enqueues the last tick
   * if it is within the tolerance (the tick due now). Ticks older than that are missed and handled by
   * {@link #missedTicks()}. It must be shorter than the Errand's retention.
   */
  public Duration tolerance() {
    return tolerance;
  }

  /** No tick is before this instant; it anchors interval ticks. Null means no bound (epoch anchor). */
  public Instant startAt() {
    return startAt;
  }

  /** The first tick strictly after {@code after}, or empty if the schedule has no tick left. */
  public Optional<Instant> nextTick(Instant after) {
    return ticks.next(Objects.requireNonNull(after, "after"));
  }

  /** The last tick at or before {@code atOrBefore}, or empty if there is none. */
  public Optional<Instant> lastTick(Instant atOrBefore) {
    return ticks.previous(Objects.requireNonNull(atOrBefore, "atOrBefore"));
  }

  /** The idempotency key of the task for {@code tick}: {@code schedule:<name>:<tick ISO-8601 UTC>}. */
  public String idempotencyKey(Instant tick) {
    return "schedule:" + name + ":" + tick;
  }

  /** The task to enqueue for {@code tick}. */
  public TaskSpec taskFor(Instant tick) {
    return task.newBuilder().runAt(tick).idempotencyKey(idempotencyKey(tick)).build();
  }

  @Override
  public String toString() {
    return "Schedule{name=" + name + (cron != null ? ", cron=" + cron : ", interval=" + interval)
        + ", zone=" + zone + ", task=" + task + ", missedTicks=" + missedTicks + ", enabled=" + enabled
        + ", tolerance=" + tolerance + (startAt != null ? ", startAt=" + startAt : "") + "}";
  }

  /** Builds a {@link Schedule}. Not thread-safe. */
  public static final class Builder {
    private String name;
    private String cron;
    private Cron parsedCron;
    private Duration interval;
    private ZoneId zone = ZoneOffset.UTC;
    private TaskSpec task;
    private MissedTickPolicy missedTicks = MissedTickPolicy.SKIP;
    private boolean enabled = true;
    private Duration tolerance = DEFAULT_TOLERANCE;
    private Instant startAt;

    private Builder() {}

    private Builder(Schedule s) {
      name = s.name;
      cron = s.cron;
      parsedCron = s.cron != null ? parse(s.cron) : null;
      interval = s.interval;
      zone = s.zone;
      task = s.task;
      missedTicks = s.missedTicks;
      enabled = s.enabled;
      tolerance = s.tolerance;
      startAt = s.startAt;
    }

    /** The schedule's name, in the queue-name alphabet; registering a name again replaces the schedule. */
    public Builder name(String name) {
      this.name = Names.require("name", name);
      return this;
    }

    /**
     * Fires on a cron expression: 5 fields (Unix), 6 fields (Spring, or Quartz when it has a {@code ?})
     * or 7 fields (Quartz with a year), seconds first when 6 or 7; see the class comment. Null clears it.
     */
    public Builder cron(String expression) {
      this.parsedCron = expression != null ? parse(expression) : null;
      this.cron = expression != null ? expression.trim() : null;
      return this;
    }

    /** Fires every {@code interval} (at least 1 second, whole milliseconds). Null clears it. */
    public Builder interval(Duration interval) {
      if (interval != null && (interval.compareTo(MIN_INTERVAL) < 0 || interval.getNano() % 1_000_000 != 0)) {
        throw new IllegalArgumentException(
            "interval must be at least " + MIN_INTERVAL + " in whole milliseconds: " + interval);
      }
      this.interval = interval;
      return this;
    }

    /** The zone cron expressions are read in; UTC unless set. */
    public Builder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /**
     * What each tick enqueues. The scheduler sets the id, runAt and idempotency key of every tick's
     * task, so a spec that sets any of them, or a delay, is refused rather than overridden.
     */
    public Builder task(TaskSpec task) {
      Objects.requireNonNull(task, "task");
      if (task.id() != null || task.idempotencyKey() != null || task.runAt() != null || task.delay() != null) {
        throw new IllegalArgumentException(
            "task must not set id, idempotencyKey, runAt or delay; the scheduler sets them per tick: " + task);
      }
      this.task = task;
      return this;
    }

    public Builder missedTicks(MissedTickPolicy policy) {
      this.missedTicks = Objects.requireNonNull(policy, "missedTicks");
      return this;
    }

    /** A disabled schedule stays registered and listed but fires nothing. */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /** See {@link Schedule#tolerance()}; positive and at most {@link #MAX_TOLERANCE}. */
    public Builder tolerance(Duration tolerance) {
      if (tolerance == null || tolerance.isNegative() || tolerance.isZero() || tolerance.compareTo(MAX_TOLERANCE) > 0) {
        throw new IllegalArgumentException(
            "tolerance must be positive and at most " + MAX_TOLERANCE + ": " + tolerance);
      }
      this.tolerance = tolerance;
      return this;
    }

    /** No tick before {@code startAt}; interval ticks are anchored here. Null clears it. */
    public Builder startAt(Instant startAt) {
      this.startAt = startAt;
      return this;
    }

    public Schedule build() {
      if (task == null) {
        throw new IllegalArgumentException("task is required");
      }
      if ((cron == null) == (interval == null)) {
        throw new IllegalArgumentException("set exactly one of cron and interval");
      }
      return new Schedule(this);
    }

    private static Cron parse(String expression) {
      String trimmed = expression.trim();
      int fields = trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
      // Quartz requires a ? in one day field; Spring allows * in both. A ? therefore marks Quartz.
      CronParser parser = switch (fields) {
        case 5 -> UNIX;
        case 6 -> trimmed.contains("?") ? QUARTZ : SPRING;
        case 7 -> QUARTZ;
        default -> throw new IllegalArgumentException("cron must have 5 fields (Unix), 6 (Spring, or Quartz with"
            + " a ?) or 7 (Quartz with a year), seconds first when 6 or 7: " + expression);
      };
      try {
        return parser.parse(trimmed);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("cron is not valid: " + expression + ": " + e.getMessage(), e);
      }
    }
  }
}
