package dev.errand.store.redis;

import static dev.errand.core.testkit.NewTasks.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.RetryPolicy;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.CancelRequest;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.DeadFilter;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.LeaseRef;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.RunNowRequest;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.SweepResult;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Redis store against the reference store of the test kit, on seeded random histories: inserts
 * (priorities, delays, idempotency keys), claims, every completion outcome with fresh and stale tokens,
 * heartbeats, cancels, run-now of tasks not yet due, replays, purges and leases that run out and are swept. Each step is
 * given to both; they must claim the same tasks in the same order, refuse the same tokens, sweep the same
 * leases, and leave every task in the same state, attempt and last error.
 *
 * <p>Both stores run on real clocks (Redis's cannot be stepped), so delays are either zero or an hour,
 * and a SCHEDULED or RETRYING task that is due counts as READY: Redis promotes such tasks to READY when
 * a claim looks, the reference store leaves them as they were. Tokens differ between the stores and
 * are mapped.
 */
class RedisDifferentialTest {
  private static final Duration LONG_LEASE = Duration.ofMinutes(5);
  private static final Duration SHORT_LEASE = Duration.ofMillis(150);
  private static final Duration FAR = Duration.ofHours(1);
  private static final List<String> QUEUES = List.of("a", "b");

  private TaskStore redis;
  private TaskStore reference;
  private final List<TaskId> ids = new ArrayList<>();
  /** Each RUNNING task's lease tokens: Redis's, then the reference's. */
  private final Map<TaskId, String[]> leases = new HashMap<>();
  private Random random;
  private String where;

  @Test
  void redisAndTheReferenceStoreAgreeOnSeededRandomHistories() throws Exception {
    for (int history = 0; history < 4; history++) {
      long seed = System.nanoTime();
      System.out.println("redisAndTheReferenceStoreAgreeOnSeededRandomHistories seed=" + seed);
      random = new Random(seed);
      ids.clear();
      leases.clear();
      redis = RedisServer.shared().newStore();
      reference = new InMemoryTaskStore();
      try {
        for (int step = 0; step < 120; step++) {
          where = "seed " + seed + ", step " + step;
          step();
          compareTasks();
        }
      } finally {
        redis.close();
        reference.close();
      }
    }
  }

  private void step() throws InterruptedException {
    switch (random.nextInt(10)) {
      case 0, 1, 2 -> insert();
      case 3, 4 -> claim(LONG_LEASE);
      case 5, 6 -> complete();
      case 7 -> extendOrCancel();
      case 8 -> operator();
      default -> expire();
    }
  }

  private void insert() {
    List<NewTask> batch = new ArrayList<>();
    for (int i = random.nextInt(3); i >= 0; i--) {
      var b = task(pick(QUEUES)).priority(List.of(0, 5, 9).get(random.nextInt(3)))
          .retry(RetryPolicy.of(1 + random.nextInt(3), Duration.ofMillis(1), Duration.ofMillis(1)));
      if (random.nextInt(4) == 0) {
        b.delay(FAR);
      }
      if (random.nextInt(3) == 0) {
        b.idempotencyKey("k" + random.nextInt(4));
      }
      batch.add(b.build());
    }
    List<InsertResult.Outcome> a = redis.insertMany(new InsertRequest(batch)).outcomes();
    List<InsertResult.Outcome> b = reference.insertMany(new InsertRequest(batch)).outcomes();
    assertThat(a).extracting(o -> o.task().id() + " " + o.created()).as(where)
        .containsExactlyElementsOf(b.stream().map(o -> o.task().id() + " " + o.created()).toList());
    a.stream().filter(InsertResult.Outcome::created).forEach(o -> ids.add(o.task().id()));
  }

  private List<TaskId> claim(Duration lease) {
    String queue = pick(QUEUES);
    int limit = 1 + random.nextInt(3);
    List<Task> a = redis.claim(new ClaimRequest(queue, limit, lease, "w")).tasks();
    List<Task> b = reference.claim(new ClaimRequest(queue, limit, lease, "w")).tasks();
    assertThat(a).extracting(Task::id).as("claim of %s, %s", queue, where)
        .containsExactlyElementsOf(b.stream().map(Task::id).toList());
    for (int i = 0; i < a.size(); i++) {
      leases.put(a.get(i).id(), new String[] {a.get(i).lease().token(), b.get(i).lease().token()});
    }
    return a.stream().map(Task::id).toList();
  }

  private void complete() {
    if (leases.isEmpty()) {
      return;
    }
    List<Completion> forRedis = new ArrayList<>();
    List<Completion> forReference = new ArrayList<>();
    for (int i = random.nextInt(2); i >= 0; i--) {
      TaskId id = pick(new ArrayList<>(leases.keySet()));
      String[] tokens = random.nextInt(8) == 0 ? new String[] {"stale", "stale"} : leases.get(id);
      Completion.Outcome outcome = switch (random.nextInt(6)) {
        case 0 -> new Completion.Succeeded(null);
        case 1 -> new Completion.Retry(Duration.ZERO, "again");
        case 2 -> new Completion.Retry(FAR, "later");
        case 3 -> new Completion.Dead("fatal");
        case 4 -> new Completion.Release(Duration.ZERO);
        default -> new Completion.Release(FAR);
      };
      forRedis.add(new Completion(id, tokens[0], outcome));
      forReference.add(new Completion(id, tokens[1], outcome));
    }
    List<TaskId> a = redis.completeMany(new CompleteRequest(forRedis)).stale();
    List<TaskId> b = reference.completeMany(new CompleteRequest(forReference)).stale();
    assertThat(a).as("stale completions, %s", where).containsExactlyElementsOf(b);
    forRedis.forEach(c -> {
      if (!a.contains(c.id())) {
        leases.remove(c.id());
      }
    });
  }

  private void extendOrCancel() {
    if (ids.isEmpty()) {
      return;
    }
    if (random.nextBoolean() && !leases.isEmpty()) {
      TaskId id = pick(new ArrayList<>(leases.keySet()));
      String[] tokens = random.nextInt(4) == 0 ? new String[] {"stale", "stale"} : leases.get(id);
      List<TaskId> a = redis.extendMany(new ExtendRequest(List.of(new LeaseRef(id, tokens[0])), LONG_LEASE)).stale();
      List<TaskId> b = reference.extendMany(new ExtendRequest(List.of(new LeaseRef(id, tokens[1])), LONG_LEASE)).stale();
      assertThat(a).as("stale heartbeats, %s", where).isEqualTo(b);
    } else {
      TaskId id = pick(ids);
      assertThat(redis.cancel(new CancelRequest(id)).status()).as("cancel, %s", where)
          .isEqualTo(reference.cancel(new CancelRequest(id)).status());
      leases.remove(id);
    }
  }

  private void operator() {
    String queue = pick(QUEUES);
    switch (random.nextInt(3)) {
      case 0 -> {
        // Run-now of a task that is due anyway would differ by design: Redis has promoted it to READY,
        // which run-now leaves alone, while the reference moves it to the back of the line.
        Optional<TaskId> waiting = ids.stream().filter(id -> reference.get(id)
            .filter(t -> t.state().isPending() && t.runAt().isAfter(Instant.now().plusSeconds(60))).isPresent())
            .findFirst();
        waiting.ifPresent(id -> assertThat(redis.runNow(RunNowRequest.of(id))).as("run now, %s", where)
            .isEqualTo(reference.runNow(RunNowRequest.of(id))).isEqualTo(1));
      }
      case 1 -> assertThat(redis.replayDead(DeadFilter.inQueue(queue))).as("replay, %s", where)
          .isEqualTo(reference.replayDead(DeadFilter.inQueue(queue)));
      default -> {
        if (!ids.isEmpty()) {
          TaskId id = pick(ids);
          assertThat(redis.purgeDead(DeadFilter.of(id))).as("purge, %s", where)
              .isEqualTo(reference.purgeDead(DeadFilter.of(id)));
        }
      }
    }
  }

  /** Claims with a short lease, lets it run out on both clocks, and sweeps both. */
  private void expire() throws InterruptedException {
    List<TaskId> claimed = claim(SHORT_LEASE);
    if (claimed.isEmpty()) {
      return;
    }
    Thread.sleep(SHORT_LEASE.toMillis() * 2);
    List<String> a = swept(redis);
    List<String> b = swept(reference);
    assertThat(a).as("swept, %s", where).containsExactlyInAnyOrderElementsOf(b);
    assertThat(a).as("swept, %s", where).hasSize(claimed.size());
    claimed.forEach(leases::remove);
  }

  private static List<String> swept(TaskStore store) {
    return store.sweepExpiredLeases(new SweepRequest(100)).swept().stream()
        .map(s -> s.task().id() + " " + s.state() + " " + s.error()).toList();
  }

  private void compareTasks() {
    Instant soon = Instant.now().plusSeconds(60);
    for (TaskId id : ids) {
      Optional<Task> a = redis.get(id);
      Optional<Task> b = reference.get(id);
      assertThat(a.map(t -> view(t, soon))).as("task %s, %s", id, where).isEqualTo(b.map(t -> view(t, soon)));
      assertThat(redis.errors(id)).extracting(e -> e.attempt() + " " + e.error()).as("errors of %s, %s", id, where)
          .containsExactlyElementsOf(reference.errors(id).stream().map(e -> e.attempt() + " " + e.error()).toList());
    }
  }

  /** What both stores must agree on: state (a due waiting task counts as READY), attempt, last error, lease. */
  private static String view(Task t, Instant soon) {
    TaskState state = t.state().isPending() && t.runAt().isBefore(soon) ? TaskState.READY : t.state();
    return state + " attempt " + t.attempt() + " priority " + t.priority() + " error " + t.lastError()
        + " leased " + (t.lease() != null) + " result " + t.result() + " finished " + (t.finishedAt() != null);
  }

  private <T> T pick(List<T> list) {
    return list.get(random.nextInt(list.size()));
  }
}
