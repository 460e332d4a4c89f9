package dev.errand.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Enqueued;
import dev.errand.core.Errand;
import dev.errand.core.ErrandListener;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.loop.Service;
import dev.errand.core.schedule.Schedule;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.testkit.FaultInjectingStore;
import dev.errand.core.testkit.FaultInjectingStore.Op;
import dev.errand.core.testkit.InMemoryTaskStore;
import dev.errand.core.testkit.NewTasks;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every kind of background loop keeps working after a dependency throws something unexpected (an
 * IllegalStateException, not the store's own ErrandException): claim loops, heartbeat, completer,
 * timeout watch, scheduler and pruner.
 */
class SupervisedServicesTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final List<Errand> errands = new ArrayList<>();
  private final List<Service> services = new ArrayList<>();

  @AfterEach
  void stopAll() throws InterruptedException {
    errands.forEach(Errand::close);
    for (Service s : services) {
      s.stop(Service.deadline(Duration.ofSeconds(5)));
    }
  }

  private Errand errand(FaultInjectingStore store, Duration lease) {
    Errand e = Errand.builder().store(store).queue("default", 4).leaseDuration(lease)
        .pollInterval(Duration.ofMillis(50)).seed(3).build();
    errands.add(e);
    return e;
  }

  private static long succeeded(Errand errand) {
    return errand.queues().stream().mapToLong(q -> q.count(TaskState.SUCCEEDED)).sum();
  }

  @Test
  void claimLoopKeepsClaimingAfterTheStoreThrows() {
    FaultInjectingStore store = new FaultInjectingStore(new InMemoryTaskStore()).failNext(Op.CLAIM, 3);
    Errand errand = errand(store, Duration.ofSeconds(30));
    errand.handle("noop", Json.class, (task, payload) -> null);
    for (int i = 0; i < 20; i++) {
      errand.enqueue(TaskSpec.of("noop", i));
    }
    errand.start();

    await().atMost(WAIT).until(() -> succeeded(errand) == 20);
    assertThat(store.failuresLeft(Op.CLAIM)).isZero();
  }

  @Test
  void heartbeatKeepsExtendingAfterTheStoreThrows() {
    FaultInjectingStore store = new FaultInjectingStore(new InMemoryTaskStore()).failNext(Op.EXTEND, 1);
    // Heartbeat every 400 ms of a 1.2 s lease: one failed beat and its backoff leave the lease alive.
    Errand errand = errand(store, Duration.ofMillis(1200));
    errand.handle("slow", Json.class, (task, payload) -> {
      Thread.sleep(2500);
      return "survived";
    });
    errand.start();

    TaskId id = errand.enqueue(TaskSpec.of("slow", null)).task().id();

    await().atMost(WAIT).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);
    assertThat(errand.get(id).attempt()).isEqualTo(1);
    assertThat(store.failuresLeft(Op.EXTEND)).isZero();
    assertThat(store.calls(Op.EXTEND)).as("beats after the failed one").isPositive();
  }

  @Test
  void timeoutWatchKeepsWatchingAfterItsCallbackThrows() {
    Set<Execution> running = ConcurrentHashMap.newKeySet();
    List<Execution> timedOut = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    TimeoutWatch watch = new TimeoutWatch("test", running, e -> {
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("callback bug");
      }
      if (e.decide(Execution.State.SETTLED)) {
        timedOut.add(e);
      }
    });
    services.add(watch);
    watch.start();
    InMemoryTaskStore store = new InMemoryTaskStore();
    store.insertMany(new InsertRequest(List.of(NewTasks.task("q").build())));
    Task task = store.claim(new dev.errand.core.spi.ClaimRequest("q", 1, Duration.ofMinutes(1), "w")).tasks()
        .getFirst();
    Execution e = new Execution(task, new Slots(1), store, null);
    e.start(Duration.ofMillis(20));
    running.add(e);
    watch.watch(e);

    await().atMost(WAIT).until(() -> timedOut.contains(e));
    assertThat(calls.get()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void schedulerKeepsEnqueueingTicksAfterTheEnqueueThrows() {
    AtomicInteger failures = new AtomicInteger(2);
    List<TaskSpec> enqueued = new CopyOnWriteArrayList<>();
    Errand client = Errand.builder().store(new InMemoryTaskStore()).build();
    errands.add(client);
    Function<List<TaskSpec>, List<Enqueued>> enqueuer = specs -> {
      if (failures.getAndDecrement() > 0) {
        throw new IllegalStateException("enqueue bug");
      }
      enqueued.addAll(specs);
      return client.enqueueMany(specs);
    };
    SchedulerRuntime scheduler = new SchedulerRuntime("test", Clock.systemUTC(), Duration.ofDays(1), enqueuer);
    scheduler.register(Schedule.every("tick", Schedule.MIN_INTERVAL, TaskSpec.of("noop", null)));
    services.add(scheduler);
    scheduler.start();

    await().atMost(WAIT).until(() -> enqueued.size() >= 2);
    assertThat(failures.get()).isNegative();
  }

  @Test
  void prunerKeepsPruningAfterTheStoreThrows() {
    FaultInjectingStore store = new FaultInjectingStore(new InMemoryTaskStore()).failNext(Op.PRUNE, 2);
    store.insertMany(new InsertRequest(List.of(NewTasks.task("q").build())));
    Task task = store.claim(new dev.errand.core.spi.ClaimRequest("q", 1, Duration.ofMinutes(1), "w")).tasks()
        .getFirst();
    store.completeMany(new dev.errand.core.spi.CompleteRequest(List.of(
        new Completion(task.id(), task.lease().token(), new Completion.Succeeded(null)))));
    // A clock a day ahead, so the task just finished is past a retention of an hour.
    Pruner pruner = new Pruner(store, "test", Clock.offset(Clock.systemUTC(), Duration.ofDays(1)),
        Duration.ofHours(1), Duration.ofMillis(20));
    services.add(pruner);
    pruner.start();

    await().atMost(WAIT).until(() -> store.get(task.id()).isEmpty());
    assertThat(store.failuresLeft(Op.PRUNE)).isZero();
  }

  @Test
  void listenerIsWrappedOnceAndNoneStaysNone() {
    ErrandListener user = new ErrandListener() {};
    ErrandListener safe = SafeListener.wrap(user, "test");

    assertThat(SafeListener.wrap(ErrandListener.NONE, "test")).isSameAs(ErrandListener.NONE);
    assertThat(safe).isInstanceOf(SafeListener.class);
    assertThat(SafeListener.wrap(safe, "test")).isSameAs(safe);
  }
}
