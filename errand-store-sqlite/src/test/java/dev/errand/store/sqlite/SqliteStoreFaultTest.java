package dev.errand.store.sqlite;

import static dev.errand.core.testkit.NewTasks.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.errand.core.StoreCorruptException;
import dev.errand.core.StoreUnavailableException;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.PruneRequest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Faults of the file under the store: a full disk heals by itself, a damaged file is called damaged. */
class SqliteStoreFaultTest {
  private static final String PAYLOAD = "{\"pad\":\"" + "x".repeat(1_000) + "\"}";
  private static final int PAGE_SIZE = 4_096;

  @TempDir
  Path directory;

  @Test
  void writesRecoverByThemselvesOnceTheDiskHasRoomAndNoAcknowledgedInsertIsLost() {
    List<TaskId> acknowledged = new ArrayList<>();
    try (SqliteStore store = SqliteStore.open(directory)) {
      acknowledged.addAll(insert(store, 10));
      store.limitPages(1); // never below the size now: the next page the file needs is refused

      Throwable full = null;
      for (int i = 0; i < 1_000 && full == null; i++) {
        try {
          acknowledged.addAll(insert(store, 20));
        } catch (StoreUnavailableException e) {
          full = e;
        }
      }
      assertThat(full).as("inserts into a full database fail").isNotNull();
      assertThat(full.getMessage()).contains("full");
      assertThatThrownBy(() -> insert(store, 20)).as("no false success while still full")
          .isInstanceOf(StoreUnavailableException.class);
      assertThatThrownBy(store::ping).as("not ready while writes fail").isInstanceOf(StoreUnavailableException.class);
      store.prune(new PruneRequest(Instant.now(), 100)); // needs no page, so it works even now
      assertThatThrownBy(store::ping).as("a write that needs no page does not make a full store ready")
          .isInstanceOf(StoreUnavailableException.class);

      store.limitPages(1_000_000);

      await().atMost(Duration.ofSeconds(5)).untilAsserted(store::ping);
      acknowledged.addAll(insert(store, 20));
      store.prune(new PruneRequest(Instant.now(), 100));
    }
    try (SqliteStore store = SqliteStore.open(directory)) {
      for (TaskId id : acknowledged) {
        assertThat(store.get(id)).as("acknowledged %s", id).isPresent();
      }
    }
  }

  @Test
  void aDamagedFileRefusesToOpenNamingTheFileAndTheCheckToRun() throws IOException {
    writeTasksAndDamagePages();

    Throwable failure = catchThrowable(() -> SqliteStore.open(directory).close());

    assertThat(failure).isInstanceOf(StoreCorruptException.class)
        .hasMessageContaining(directory.resolve(SqliteStore.DATABASE_FILE).toString())
        .hasMessageContaining("PRAGMA integrity_check");
  }

  @Test
  void damageNotSeenAtOpenIsAnsweredAsCorruptNotAsUnavailable() throws IOException {
    List<TaskId> ids = writeTasksAndDamagePages();

    try (SqliteStore store = SqliteStore.builder(directory).openCheckBudget(Duration.ZERO).build()) {
      Throwable failure = null;
      for (TaskId id : ids) {
        failure = catchThrowable(() -> store.get(id));
        if (failure != null) {
          break;
        }
      }
      assertThat(failure).as("a read of a damaged page").isInstanceOf(StoreCorruptException.class)
          .isNotInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("PRAGMA integrity_check");
      assertThatThrownBy(store::ping).as("a corrupt store is not ready").isInstanceOf(StoreCorruptException.class);
    }
  }

  /** Writes enough tasks that the file has well over 150 pages, closes, and overwrites pages 150 and 151. */
  private List<TaskId> writeTasksAndDamagePages() throws IOException {
    List<TaskId> ids = new ArrayList<>();
    try (SqliteStore store = SqliteStore.open(directory)) {
      for (int i = 0; i < 20; i++) {
        ids.addAll(insert(store, 50));
      }
    }
    try (RandomAccessFile file = new RandomAccessFile(directory.resolve(SqliteStore.DATABASE_FILE).toFile(), "rw")) {
      assertThat(file.length()).isGreaterThan(160L * PAGE_SIZE);
      byte[] garbage = new byte[2 * PAGE_SIZE];
      Arrays.fill(garbage, (byte) 0x5a);
      file.seek(150L * PAGE_SIZE);
      file.write(garbage);
    }
    return ids;
  }

  private static List<TaskId> insert(SqliteStore store, int count) {
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      tasks.add(task("q").payload(PAYLOAD).build());
    }
    return store.insertMany(new InsertRequest(tasks)).outcomes().stream().map(o -> o.task().id()).toList();
  }
}
