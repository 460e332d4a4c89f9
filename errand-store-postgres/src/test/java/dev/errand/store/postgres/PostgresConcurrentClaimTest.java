package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.QueueInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Claimers in several store instances (separate pools) never get the same task. */
class PostgresConcurrentClaimTest {
  private static final int STORES = 3;
  private static final int CLAIMERS_PER_STORE = 3;
  private static final int TASKS = 3000;
  private static TestSchema db;
  private static final List<PostgresStore> stores = new ArrayList<>();

  @BeforeAll
  static void createStores() {
    db = TestSchema.create("claims");
    for (int i = 0; i < STORES; i++) {
      stores.add(db.newStore());
    }
  }

  @AfterAll
  static void dropSchema() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void concurrentClaimersNeverShareATask() throws Exception {
    String queue = "shared";
    List<NewTask> batch = new ArrayList<>();
    for (int i = 0; i < TASKS; i++) {
      batch.add(i % 3 == 0 ? NewTasks.delayed(queue, Duration.ofMillis(50)) : NewTasks.withPriority(queue, i % 10));
      if (batch.size() == 500) {
        stores.get(0).insertMany(new InsertRequest(batch));
        batch = new ArrayList<>();
      }
    }
    Map<TaskId, String> owner = new ConcurrentHashMap<>();
    AtomicInteger duplicates = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> claimers = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(STORES * CLAIMERS_PER_STORE)) {
      for (int s = 0; s < STORES; s++) {
        PostgresStore store = stores.get(s);
        for (int c = 0; c < CLAIMERS_PER_STORE; c++) {
          String worker = "store" + s + "-claimer" + c;
          claimers.add(pool.submit(() -> {
            start.await();
            int emptyInARow = 0;
            while (emptyInARow < 20) {
              List<Task> claimed = store.claim(new ClaimRequest(queue, 7, Duration.ofMinutes(5), worker)).tasks();
              if (claimed.isEmpty()) {
                emptyInARow++;
                Thread.onSpinWait();
                continue;
              }
              emptyInARow = 0;
              List<Completion> done = new ArrayList<>();
              for (Task t : claimed) {
                if (owner.putIfAbsent(t.id(), worker) != null) {
                  duplicates.incrementAndGet();
                }
                done.add(new Completion(t.id(), t.lease().token(), new Completion.Succeeded(null)));
              }
              assertThat(store.completeMany(new CompleteRequest(done)).stale()).isEmpty();
            }
            return null;
          }));
        }
      }
      start.countDown();
      for (Future<?> f : claimers) {
        f.get();
      }
    }
    assertThat(duplicates.get()).isZero();
    assertThat(owner).hasSize(TASKS);
    QueueInfo info = stores.get(1).queues().stream().filter(q -> q.queue().equals(queue)).findFirst().orElseThrow();
    assertThat(info.count(TaskState.SUCCEEDED)).isEqualTo(TASKS);
    assertThat(owner.values().stream().distinct().count()).as("every claimer took part").isGreaterThan(1);
  }
}
