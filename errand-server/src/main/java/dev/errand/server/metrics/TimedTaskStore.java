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
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.JdbcTransactionalStore;
import dev.errand.core.spi.PruneRequest;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.QueueLimitsRequest;
import dev.errand.core.spi.QueuePauseRequest;
import dev.errand.core.spi.SchedulePutRequest;
import dev.errand.core.spi.StoredSchedule;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.SweepResult;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WaitRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A {@link TaskStore} that times every SPI call ({@code errand.store.calls}, tagged {@code op} and
 * {@code outcome} ok or error) and counts the calls that threw ({@code errand.store.errors}). Waiting
 * for work is not a round trip and is passed through untimed. {@link #wrap} keeps the store's optional
 * JDBC power. Thread-safe as the store it wraps.
 */
public class TimedTaskStore implements TaskStore {
  /** The timed operations; their lower-case names are the {@code op} tag. */
  enum Op {
    INSERT, CLAIM, EXTEND, SWEEP, COMPLETE, CANCEL, GET, ERRORS, LIST, QUEUES, PAUSE, LIMIT, SCHEDULE_PUT, SCHEDULE_DELETE,
    SCHEDULES, REPLAY, PURGE, PRUNE, PING
  }

  private record OpMeters(Timer ok, Timer error, Counter errors) {}

  final TaskStore delegate;
  private final Map<Op, OpMeters> meters = new EnumMap<>(Op.class);

  TimedTaskStore(TaskStore delegate, MeterRegistry registry) {
    this.delegate = delegate;
    for (Op op : Op.values()) {
      String name = op.name().toLowerCase(Locale.ROOT);
      meters.put(op, new OpMeters(timer(registry, name, "ok"), timer(registry, name, "error"),
          Counter.builder("errand.store.errors").description("Store calls that threw (store unreachable or failing)")
              .tag("store", delegate.name()).tag("op", name).register(registry)));
    }
  }

  /** Wraps {@code store}; the result is a {@link JdbcTransactionalStore} if {@code store} is one. */
  public static TaskStore wrap(TaskStore store, MeterRegistry registry) {
    return store instanceof JdbcTransactionalStore ? new TimedJdbcTaskStore(store, registry)
        : new TimedTaskStore(store, registry);
  }

  private Timer timer(MeterRegistry registry, String op, String outcome) {
    return Timer.builder("errand.store.calls").description("Store round trips by operation")
        .tag("store", delegate.name()).tag("op", op).tag("outcome", outcome).register(registry);
  }

  final <T> T time(Op op, Supplier<T> call) {
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
  public void pauseQueue(QueuePauseRequest request) {
    time(Op.PAUSE, () -> {
      delegate.pauseQueue(request);
      return null;
    });
  }

  @Override
  public void limitQueue(QueueLimitsRequest request) {
    time(Op.LIMIT, () -> {
      delegate.limitQueue(request);
      return null;
    });
  }

  @Override
  public StoredSchedule putSchedule(SchedulePutRequest request) {
    return time(Op.SCHEDULE_PUT, () -> delegate.putSchedule(request));
  }

  @Override
  public boolean deleteSchedule(String name) {
    return time(Op.SCHEDULE_DELETE, () -> delegate.deleteSchedule(name));
  }

  @Override
  public List<StoredSchedule> storedSchedules() {
    return time(Op.SCHEDULES, delegate::storedSchedules);
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
  public void awaitWork(WaitRequest request) throws InterruptedException {
    delegate.awaitWork(request);
  }

  @Override
  public void ping() {
    time(Op.PING, () -> {
      delegate.ping();
      return null;
    });
  }

  @Override
  public void close() {
    delegate.close();
  }
}
