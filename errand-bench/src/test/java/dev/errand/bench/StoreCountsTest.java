package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.TaskState;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.testkit.NewTasks;
import dev.errand.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exactly-once checks count exactly even where the store bounds its queue counts: past ten thousand
 * SUCCEEDED tasks, SQLite reports a lower bound, and the bench counts by listing instead.
 */
class StoreCountsTest {
  @TempDir
  Path dir;

  @Test
  void aBoundedCountIsCountedByListing() {
    int n = 10_250;
    try (SqliteStore store = SqliteStore.open(dir)) {
      for (int i = 0; i < n; i += 1000) {
        List<NewTask> batch = new ArrayList<>();
        for (int j = i; j < Math.min(n, i + 1000); j++) {
          batch.add(NewTasks.task("q").build());
        }
        store.insertMany(new InsertRequest(batch));
        List<Completion> done = store.claim(new ClaimRequest("q", 1000, Duration.ofMinutes(1), "w")).tasks().stream()
            .map(t -> new Completion(t.id(), t.lease().token(), new Completion.Succeeded(null))).toList();
        assertThat(store.completeMany(new CompleteRequest(done)).stale()).isEmpty();
      }
      store.insertMany(new InsertRequest(List.of(NewTasks.task("q").build())));

      QueueInfo q = store.queues().getFirst();
      assertThat(q.isExact(TaskState.SUCCEEDED)).as("the store bounds this count").isFalse();
      assertThat(q.count(TaskState.SUCCEEDED)).isLessThan(n);
      assertThat(StoreCounts.count(store, "q", TaskState.SUCCEEDED)).isEqualTo(n);
      assertThat(StoreCounts.count(store, "q", TaskState.READY)).isEqualTo(1);
      assertThat(StoreCounts.total(store, "q")).isEqualTo(n + 1);
    }
  }
}
