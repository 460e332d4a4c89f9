package dev.errand.server.metrics;

import dev.errand.core.AttemptError;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.spi.CancelRequest;
import dev.errand.core.spi.CancelResult;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.ClaimResult;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.CompleteResult;
import dev.errand.core.spi.DeadFilter;
import dev.errand.core.spi.DuePage;
import dev.errand.core.spi.DueQuery;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.JdbcTransactionalStore;
import dev.errand.core.spi.PruneRequest;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.QueueLimitsRequest;
import dev.errand.core.spi.QueueLimitStore;
import dev.errand.core.spi.QueuePauseRequest;
import dev.errand.core.spi.RunNowRequest;
import dev.errand.core.spi.SchedulePutRequest;
import dev.errand.core.spi.ScheduleStore;
import dev.errand.core.spi.StoredSchedule;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.SweepResult;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.Connection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A {@link TaskStore} that times every SPI call ({@code errand.store.calls}, tagged {@code op} and
 * {@code outcome} ok or error) and counts the calls that threw ({@code errand.store.errors}). Waiting
 * for work is not a round trip and is passed through untimed.
 *
 * <p>Wrapping hides no power of the store: {@link #capability} answers with a timed wrapper for the
 * powers timed here (joining a JDBC transaction, whose writes are timed as their plain counterparts;
 * stored schedules; flow limits), only when the store has them, and forwards every other lookup (the
 * wake-up, powers added later) to the store itself. Thread-safe as the store it wraps.
 */
public final class TimedTaskStore implements TaskStore {
  /** The timed operations; their lower-case names are the {@code op} tag. */
  enum Op {
    INSERT, CLAIM, EXTEND, SWEEP, COMPLETE, CANCEL, GET, ERRORS, LIST, LIST_DUE, RUN_NOW, QUEUES, PAUSE, LIMIT,
    SCHEDULE_PUT, SCHEDULE_DELETE, SCHEDULES, REPLAY, PURGE, PRUNE, PING
  }

  private record OpMeters(Timer ok, Timer error, Counter errors) {}

  private final TaskStore delegate;
  private final Map<Op, OpMeters> meters = new EnumMap<>(Op.class);
  // The timed wrappers of the powers timed here that the store has, by power; read-only once built.
  private final Map<Class<?>, Object> timedPowers = new HashMap<>();

  private TimedTaskStore(TaskStore delegate, MeterRegistry registry) {
    this.delegate = delegate;
    for (Op op : Op.values()) {
      String name = op.name().toLowerCase(Locale.ROOT);
      meters.put(op, new OpMeters(timer(registry, name, "ok"), timer(registry, name, "error"),
          Counter.builder("errand.store.errors").description("Store calls that threw (store unreachable or failing)")
              .tag("store", delegate.name()).tag("op", name).register(registry)));
    }
    delegate.capability(JdbcTransactionalStore.class)
        .ifPresent(jdbc -> timedPowers.put(JdbcTransactionalStore.class, new TimedJdbc(jdbc)));
    delegate.capability(ScheduleStore.class)
        .ifPresent(schedules -> timedPowers.put(ScheduleStore.class, new TimedSchedules(schedules)));
    delegate.capability(QueueLimitStore.class)
        .ifPresent(limits -> timedPowers.put(QueueLimitStore.class, new TimedLimits(limits)));
  }

  /** Wraps {@code store}, keeping every power it has (see {@link #capability}). */
  public static TaskStore wrap(TaskStore store, MeterRegistry registry) {
    return new TimedTaskStore(store, registry);
  }

  @Override
  public <T> Optional<T> capability(Class<T> type) {
    Object timed = timedPowers.get(type);
    if (timed != null) {
      return Optional.of(type.cast(timed));
    }
    return type.isInstance(this) ? Optional.of(type.cast(this)) : delegate.capability(type);
  }

  private Timer timer(MeterRegistry registry, String op, String outcome) {
    return Timer.builder("errand.store.calls").description("Store round trips by operation")
        .tag("store", delegate.name()).tag("op", op).tag("outcome", outcome).register(registry);
  }

  private <T> T time(Op op, Supplier<T> call) {
    long start = System.nanoTime();
    OpMeters m = meters.get(op);
    try {
      T result = call.get();
      m.ok().record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      return result;
    } catch (RuntimeException e) {
      m.error().record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      m.errors().increment();
      throw e;
    }
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public InsertResult insertMany(InsertRequest request) {
    return time(Op.INSERT, () -> delegate.insertMany(request));
  }

  @Override
  public ClaimResult claim(ClaimRequest request) {
    return time(Op.CLAIM, () -> delegate.claim(request));
  }

  @Override
  public ExtendResult extendMany(ExtendRequest request) {
    return time(Op.EXTEND, () -> delegate.extendMany(request));
  }

  @Override
  public SweepResult sweepExpiredLeases(SweepRequest request) {
    return time(Op.SWEEP, () -> delegate.sweepExpiredLeases(request));
  }

  @Override
  public CompleteResult completeMany(CompleteRequest request) {
    return time(Op.COMPLETE, () -> delegate.completeMany(request));
  }

  @Override
  public CancelResult cancel(CancelRequest request) {
    return time(Op.CANCEL, () -> delegate.cancel(request));
  }

  @Override
  public Optional<Task> get(TaskId id) {
    return time(Op.GET, () -> delegate.get(id));
  }

  @Override
  public List<AttemptError> errors(TaskId id) {
    return time(Op.ERRORS, () -> delegate.errors(id));
  }

  @Override
  public TaskPage list(TaskQuery query) {
    return time(Op.LIST, () -> delegate.list(query));
  }

  @Override
  public List<QueueInfo> queues() {
    return time(Op.QUEUES, delegate::queues);
  }

  @Override
  public DuePage listDue(DueQuery query) {
    return time(Op.LIST_DUE, () -> delegate.listDue(query));
  }

  @Override
  public int runNow(RunNowRequest request) {
    return time(Op.RUN_NOW, () -> delegate.runNow(request));
  }

  @Override
  public void pauseQueue(QueuePauseRequest request) {
    run(Op.PAUSE, () -> delegate.pauseQueue(request));
  }

  @Override
  public int replayDead(DeadFilter filter) {
    return time(Op.REPLAY, () -> delegate.replayDead(filter));
  }

  @Override
  public int purgeDead(DeadFilter filter) {
    return time(Op.PURGE, () -> delegate.purgeDead(filter));
  }

  @Override
  public int prune(PruneRequest request) {
    return time(Op.PRUNE, () -> delegate.prune(request));
  }

  @Override
  public void ping() {
    run(Op.PING, delegate::ping);
  }

  @Override
  public void close() {
    delegate.close();
  }

  private void run(Op op, Runnable call) {
    time(op, () -> {
      call.run();
      return null;
    });
  }

  /** Writes in the caller's transaction are timed as their plain counterparts; opening one is not. */
  private final class TimedJdbc implements JdbcTransactionalStore {
    private final JdbcTransactionalStore jdbc;

    TimedJdbc(JdbcTransactionalStore jdbc) {
      this.jdbc = jdbc;
    }

    @Override
    public InsertResult insertMany(Connection connection, InsertRequest request) {
      return time(Op.INSERT, () -> jdbc.insertMany(connection, request));
    }

    @Override
    public Connection openTransaction() {
      return jdbc.openTransaction();
    }

    @Override
    public CompleteResult completeMany(Connection connection, CompleteRequest request) {
      return time(Op.COMPLETE, () -> jdbc.completeMany(connection, request));
    }
  }

  private final class TimedSchedules implements ScheduleStore {
    private final ScheduleStore schedules;

    TimedSchedules(ScheduleStore schedules) {
      this.schedules = schedules;
    }

    @Override
    public StoredSchedule putSchedule(SchedulePutRequest request) {
      return time(Op.SCHEDULE_PUT, () -> schedules.putSchedule(request));
    }

    @Override
    public boolean deleteSchedule(String name) {
      return time(Op.SCHEDULE_DELETE, () -> schedules.deleteSchedule(name));
    }

    @Override
    public List<StoredSchedule> storedSchedules() {
      return time(Op.SCHEDULES, schedules::storedSchedules);
    }
  }

  private final class TimedLimits implements QueueLimitStore {
    private final QueueLimitStore limits;

    TimedLimits(QueueLimitStore limits) {
      this.limits = limits;
    }

    @Override
    public void limitQueue(QueueLimitsRequest request) {
      run(Op.LIMIT, () -> limits.limitQueue(request));
    }
  }
}
