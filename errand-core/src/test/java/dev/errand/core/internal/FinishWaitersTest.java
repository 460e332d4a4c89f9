package dev.errand.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.testkit.ForwardingTaskStore;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Many callers waiting for tasks cost neither a thread each nor a store read each while they wait. */
class FinishWaitersTest {
  /** Counts reads of single tasks. */
  static final class CountingStore extends ForwardingTaskStore {
    final AtomicInteger gets = new AtomicInteger();

    CountingStore() {
      super(new InMemoryTaskStore());
    }

    @Override
    public Optional<Task> get(TaskId id) {
      gets.incrementAndGet();
      return super.get(id);
    }
  }

  @Test
  void thousandsOfWaitersHoldNoThreadAndOneFinishCostsOneRead() throws Exception {
    CountingStore store = new CountingStore();
    try (Errand errand = Errand.builder().store(store).runWorkers(false).build()) {
      TaskId shared = errand.enqueue(TaskSpec.builder("job").build()).id();
      List<TaskId> own = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        own.add(errand.enqueue(TaskSpec.builder("job").queue("own").build()).id());
      }
      int threadsBefore = Thread.activeCount();
      List<CompletableFuture<Task>> waits = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        waits.add(errand.awaitAsync(shared, Duration.ofSeconds(60)));
      }
      for (TaskId id : own) {
        waits.add(errand.awaitAsync(id, Duration.ofSeconds(60)));
      }
      assertThat(Thread.activeCount() - threadsBefore).as("threads started for 2200 waiters").isLessThan(10);
      assertThat(waits).noneMatch(CompletableFuture::isDone);

      int readsBefore = store.gets.get();
      Task running = errand.claim("default", 1, Duration.ofSeconds(30), "w", Duration.ZERO).getFirst();
      errand.complete(running.id(), running.lease().token(), Json.NULL);
      for (CompletableFuture<Task> w : waits.subList(0, 2000)) {
        assertThat(w.get(10, TimeUnit.SECONDS).state()).isEqualTo(TaskState.SUCCEEDED);
      }
      // The completion's own reads aside, the 2000 waiters of the finished task were answered with one read.
      assertThat(store.gets.get() - readsBefore).isLessThanOrEqualTo(3);
      assertThat(waits.subList(2000, waits.size())).noneMatch(CompletableFuture::isDone);
      waits.subList(2000, waits.size()).forEach(w -> w.cancel(false));
    }
  }
}
