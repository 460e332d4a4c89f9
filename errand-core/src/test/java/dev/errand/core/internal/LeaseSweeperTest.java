package dev.errand.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.ErrandListener;
import dev.errand.core.Task;
import dev.errand.core.TaskState;
import dev.errand.core.loop.Service;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.InMemoryTaskStore;
import dev.errand.core.testkit.MutableClock;
import dev.errand.core.testkit.NewTasks;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LeaseSweeperTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final InMemoryTaskStore store = new InMemoryTaskStore(clock);
  private final List<String> heard = new CopyOnWriteArrayList<>();
  private final ErrandListener listener = new ErrandListener() {
    @Override
    public void leaseLost(Task task) {
      heard.add("lost " + task.lease().workerId());
    }

    @Override
    public void retrying(Task task, String error, Duration retryIn) {
      heard.add("retrying " + error);
    }

    @Override
    public void dead(Task task, String error) {
      heard.add("dead " + error);
    }
  };

  private void claimAndExpire(NewTasks.Builder task, String worker) {
    store.insertMany(new InsertRequest(List.of(task.queue("q").build())));
    store.claim(new ClaimRequest("q", 10, Duration.ofSeconds(5), worker));
  }

  @Test
  void sweepOnceTellsTheListenerWhatBecameOfEachLease() {
    claimAndExpire(NewTasks.task(), "w1");
    claimAndExpire(NewTasks.task().retry(dev.errand.core.RetryPolicy.of(1, Duration.ofSeconds(1),
        Duration.ofSeconds(1))), "w2");
    claimAndExpire(NewTasks.task().timeout(Duration.ofSeconds(2)), "w3");
    clock.advance(Duration.ofSeconds(6));

    int swept = new LeaseSweeper(store, "test", listener, Duration.ofSeconds(1)).sweepOnce();

    assertThat(swept).isEqualTo(3);
    assertThat(heard).containsExactlyInAnyOrder("lost w1", "lost w2", "dead lease expired on worker w2",
        "retrying timed out after 2000 ms");
  }

  @Test
  void sweepOnceTakesEveryExpiredLeaseInBatches() {
    int n = LeaseSweeper.BATCH * 2 + 3;
    List<dev.errand.core.spi.NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tasks.add(NewTasks.task("q").build());
    }
    store.insertMany(new InsertRequest(tasks));
    store.claim(new ClaimRequest("q", n, Duration.ofSeconds(5), "w"));
    clock.advance(Duration.ofSeconds(6));

    assertThat(new LeaseSweeper(store, "test", ErrandListener.NONE, Duration.ofSeconds(1)).sweepOnce()).isEqualTo(n);
    assertThat(store.queues().getFirst().count(TaskState.READY)).isEqualTo(n);
  }

  @Test
  void loopKeepsSweepingAfterTheStoreThrows() throws Exception {
    AtomicInteger failures = new AtomicInteger(3);
    TaskStore flaky = (TaskStore) Proxy.newProxyInstance(TaskStore.class.getClassLoader(),
        new Class<?>[] {TaskStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("sweepExpiredLeases") && failures.getAndDecrement() > 0) {
            throw new IllegalStateException("sweep failed on purpose");
          }
          try {
            return method.invoke(store, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    claimAndExpire(NewTasks.task(), "w1");
    clock.advance(Duration.ofSeconds(6));
    LeaseSweeper sweeper = new LeaseSweeper(flaky, "test", listener, Duration.ofMillis(10));
    sweeper.start();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> heard.contains("lost w1"));
      assertThat(failures.get()).isNegative();
    } finally {
      sweeper.stop(Service.deadline(Duration.ofSeconds(5)));
    }
  }
}
