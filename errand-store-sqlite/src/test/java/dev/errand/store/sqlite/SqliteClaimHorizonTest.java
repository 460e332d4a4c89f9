package dev.errand.store.sqlite;

import static dev.errand.core.testkit.NewTasks.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.RetryPolicy;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.LeaseRef;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.SweepResult;
import dev.errand.core.testkit.InMemoryTaskStore;
import dev.errand.core.testkit.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite store skips the promote statement of a claim until its in-memory horizon says something may
 * be due (ClaimHorizon). A horizon that is ever too late makes a claim miss a due task (one retried by a
 * sweep after a timeout too), so this test drives the store and the in-memory reference store through the same
 * seeded random history (delayed inserts, claims, every completion outcome, heartbeats, the clock moving, lease sweeps)
 * and requires every claim to take the same tasks in the same order.
 */
class SqliteClaimHorizonTest {
  private static final List<String> QUEUES = List.of("a", "b", "c");

  @TempDir
  Path dir;

  @Test
  void claimsTakeWhatTheReferenceStoreTakesThroughDelaysRetriesReleasesAndExpiredLeases() {
    for (long seed = 1; seed <= 5; seed++) {
      runHistory(seed, dir.resolve("seed-" + seed));
    }
  }

  private static void runHistory(long seed, Path directory) {
    Random random = new Random(seed);
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T00:00:00Z"));
    InMemoryTaskStore reference = new InMemoryTaskStore(clock);
    try (SqliteStore sqlite = SqliteStore.builder(directory).clock(clock).build()) {
      // Per store, the lease token each claimed task was given.
      Map<TaskId, String> referenceTokens = new HashMap<>();
      Map<TaskId, String> sqliteTokens = new HashMap<>();
      List<TaskId> claimed = new ArrayList<>();
      int claimsWithTasks = 0;
      for (int step = 0; step < 1_500; step++) {
        int op = random.nextInt(10);
        if (op < 3) {
          List<NewTask> batch = new ArrayList<>();
          String queue = QUEUES.get(random.nextInt(QUEUES.size()));
          for (int i = random.nextInt(3); i >= 0; i--) {
            Duration delay = random.nextBoolean() ? Duration.ZERO : Duration.ofMillis(100 * random.nextInt(60));
            batch.add(task(queue).priority(random.nextInt(3)).delay(delay)
                .timeout(Duration.ofSeconds(1 + random.nextInt(4)))
                .retry(new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1))).build());
          }
          reference.insertMany(new InsertRequest(batch));
          sqlite.insertMany(new InsertRequest(batch));
        } else if (op < 6) {
          String queue = QUEUES.get(random.nextInt(QUEUES.size()));
          ClaimRequest request = new ClaimRequest(queue, 1 + random.nextInt(4),
              Duration.ofMillis(500 * (1 + random.nextInt(6))), "w");
          List<Task> expected = reference.claim(request).tasks();
          List<Task> actual = sqlite.claim(request).tasks();
          assertThat(ids(actual)).as("seed %d step %d claim of %s", seed, step, queue).isEqualTo(ids(expected));
          for (int i = 0; i < expected.size(); i++) {
            referenceTokens.put(expected.get(i).id(), expected.get(i).lease().token());
            sqliteTokens.put(actual.get(i).id(), actual.get(i).lease().token());
            claimed.add(expected.get(i).id());
          }
          claimsWithTasks += expected.isEmpty() ? 0 : 1;
        } else if (op < 8 && !claimed.isEmpty()) {
          TaskId id = claimed.remove(random.nextInt(claimed.size()));
          Completion.Outcome outcome = switch (random.nextInt(5)) {
            case 0 -> new Completion.Succeeded(null);
            case 1 -> new Completion.Retry(Duration.ofMillis(100 * random.nextInt(30)), "boom");
            case 2 -> new Completion.Dead("gave up");
            case 3 -> new Completion.Release(Duration.ZERO);
            default -> new Completion.Release(Duration.ofMillis(100 * (1 + random.nextInt(30))));
          };
          List<TaskId> staleReference = reference.completeMany(new CompleteRequest(
              List.of(new Completion(id, referenceTokens.get(id), outcome)))).stale();
          List<TaskId> staleSqlite = sqlite.completeMany(new CompleteRequest(
              List.of(new Completion(id, sqliteTokens.get(id), outcome)))).stale();
          assertThat(staleSqlite).as("seed %d step %d completion of %s", seed, step, id).isEqualTo(staleReference);
        } else if (op < 9 && !claimed.isEmpty()) {
          TaskId id = claimed.get(random.nextInt(claimed.size()));
          Duration leaseFor = Duration.ofMillis(500 * (1 + random.nextInt(6)));
          assertThat(sqlite.extendMany(new ExtendRequest(List.of(new LeaseRef(id, sqliteTokens.get(id))), leaseFor))
              .stale()).isEqualTo(reference.extendMany(new ExtendRequest(
                  List.of(new LeaseRef(id, referenceTokens.get(id))), leaseFor)).stale());
        } else {
          clock.advance(Duration.ofMillis(100 * random.nextInt(20)));
          List<TaskId> sweptReference = swept(reference.sweepExpiredLeases(new SweepRequest(1_000)));
          List<TaskId> sweptSqlite = swept(sqlite.sweepExpiredLeases(new SweepRequest(1_000)));
          assertThat(sweptSqlite).as("seed %d step %d sweep", seed, step).containsExactlyInAnyOrderElementsOf(sweptReference);
        }
      }
      assertThat(claimsWithTasks).as("the history claimed tasks (seed %d)", seed).isGreaterThan(100);
    }
  }

  private static List<TaskId> swept(SweepResult result) {
    return result.swept().stream().map(s -> s.task().id()).toList();
  }

  private static List<TaskId> ids(List<Task> tasks) {
    return tasks.stream().map(Task::id).toList();
  }
}
