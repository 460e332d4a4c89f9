package dev.errand.store.sqlite.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.core.StoreUnavailableException;
import dev.errand.core.spi.SqlStatements;
import dev.errand.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group commit: requests that wait together commit together, and one failure spoils none of the others. */
class GroupCommitWriterTest {
  @TempDir
  Path directory;

  private final SqlStatements sql = SqlStatements.load(SqliteStore.class, "store.sql");
  private SqliteConnections connections;
  private GroupCommitWriter writer;

  @BeforeEach
  void open() throws SQLException {
    connections = new SqliteConnections(directory.resolve("test.db"), Duration.ofSeconds(5));
    StatementCache statements = new StatementCache(connections.openWriter(), sql);
    Migrations.load(SqliteStore.class).apply("test", statements, Clock.systemUTC());
    writer = new GroupCommitWriter(new StoreErrors("test", directory.resolve("test.db")), statements, Clock.systemUTC(), new WorkSignal(), 1_000);
  }

  @AfterEach
  void close() {
    writer.close();
  }

  @Test
  void failingRequestsDoNotPoisonTheOthersInTheirGroup() throws Exception {
    CountDownLatch writerHeld = new CountDownLatch(1);
    CountDownLatch letGo = new CountDownLatch(1);
    // The first request holds the writer thread, so every request below queues into the next group.
    Thread holder = Thread.ofPlatform().start(() -> writer.submit("hold", tx -> {
      writerHeld.countDown();
      awaitQuietly(letGo);
      return null;
    }));
    writerHeld.await();

    Map<String, Optional<Throwable>> outcomes = new ConcurrentHashMap<>();
    List<Thread> callers = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String queue = (i % 3 == 0 ? "bad-sql-" : i % 3 == 1 ? "bad-bug-" : "good-") + i;
      callers.add(Thread.ofPlatform().start(() -> {
        try {
          writer.submit("mark " + queue, tx -> {
            mark(tx, queue);
            if (queue.startsWith("bad-sql")) {
              throw new SQLException("injected failure after a write");
            }
            if (queue.startsWith("bad-bug")) {
              throw new IllegalStateException("injected bug after a write");
            }
            return null;
          });
          outcomes.put(queue, Optional.empty());
        } catch (Throwable e) {
          outcomes.put(queue, Optional.of(e));
        }
      }));
    }
    await().atMost(Duration.ofSeconds(10))
        .until(() -> callers.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
    letGo.countDown();
    holder.join();
    for (Thread caller : callers) {
      caller.join();
    }

    Set<String> stored = storedQueues();
    outcomes.forEach((queue, outcome) -> {
      if (queue.startsWith("good")) {
        assertThat(outcome).as(queue).isEmpty();
        assertThat(stored).contains(queue);
      } else {
        assertThat(outcome.orElseThrow()).as(queue).isInstanceOf(queue.startsWith("bad-sql")
            ? StoreUnavailableException.class : IllegalStateException.class);
        assertThat(stored).as("a failed request's writes are rolled back").doesNotContain(queue);
      }
    });
    assertThat(outcomes).hasSize(30);
  }

  @Test
  void requestsAfterCloseAreRefused() {
    writer.close();

    assertThatThrownBy(() -> writer.submit("late", tx -> null))
        .isInstanceOf(StoreUnavailableException.class);
  }

  private static void mark(WriteContext tx, String queue) throws SQLException {
    PreparedStatement pause = tx.statement("queue_set_paused");
    pause.setString(1, queue);
    pause.setInt(2, 1);
    pause.setLong(3, 0);
    pause.executeUpdate();
  }

  private Set<String> storedQueues() throws SQLException {
    Set<String> queues = new HashSet<>();
    try (StatementCache reader = new StatementCache(connections.openReader(), sql);
        ResultSet rs = reader.get("queue_flags").executeQuery()) {
      while (rs.next()) {
        queues.add(rs.getString("queue"));
      }
    }
    return queues;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
