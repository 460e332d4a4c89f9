package dev.errand.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.StoreUnavailableException;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Guarantees that involve a second process: durability across a kill, and exclusive ownership. */
class SqliteStoreProcessTest {
  @TempDir
  Path directory;

  @TempDir
  Path logs;

  @Test
  void everyAcknowledgedInsertSurvivesAKill() throws Exception {
    Path stderr = logs.resolve("child.err");
    Process child = ChildJvm.start("insert", directory, stderr);
    Map<TaskId, Long> acknowledged = new LinkedHashMap<>();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (acknowledged.size() < 400 && (line = out.readLine()) != null) {
        String[] parts = line.split(" ");
        acknowledged.put(TaskId.of(parts[0]), Long.parseLong(parts[1]));
      }
      // SIGKILL on Linux, while its threads keep inserting: no shutdown hook, no close, writes in flight
      // are cut off. (Destroying the process closes our end of its stdout, so reading stops here.)
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    assertThat(acknowledged).as("child stderr: %s", Files.exists(stderr) ? Files.readString(stderr) : "")
        .hasSizeGreaterThanOrEqualTo(400);

    try (SqliteStore reopened = SqliteStore.open(directory)) {
      acknowledged.forEach((id, n) -> {
        Task task = reopened.get(id).orElseThrow(() -> new AssertionError("acknowledged task " + id + " lost"));
        assertThat(task.payload().toByteArray()).as("payload of %s", id)
            .isEqualTo(StoreChild.payload(n).toByteArray());
      });
    }
  }

  /** Claims commit without an fsync; a crash of the process must still keep every answered claim. */
  @Test
  void everyAnsweredClaimSurvivesAKill() throws Exception {
    Path stderr = logs.resolve("child.err");
    Process child = ChildJvm.start("claim", directory, stderr);
    Map<TaskId, String> claimed = new LinkedHashMap<>();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (claimed.size() < 1_000 && (line = out.readLine()) != null) {
        String[] parts = line.split(" ");
        claimed.put(TaskId.of(parts[0]), parts[1]);
      }
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    assertThat(claimed).as("child stderr: %s", Files.exists(stderr) ? Files.readString(stderr) : "")
        .hasSizeGreaterThanOrEqualTo(1_000);

    try (SqliteStore reopened = SqliteStore.open(directory)) {
      claimed.forEach((id, token) -> {
        Task task = reopened.get(id).orElseThrow(() -> new AssertionError("claimed task " + id + " lost"));
        assertThat(task.state()).as("state of %s", id).isEqualTo(TaskState.RUNNING);
        assertThat(task.attempt()).as("attempt of %s", id).isEqualTo(1);
        assertThat(task.lease().token()).as("lease of %s", id).isEqualTo(token);
      });
    }
  }

  @Test
  void secondProcessIsToldTheDirectoryIsInUse() throws Exception {
    Path stderr = logs.resolve("child.err");
    Process child = ChildJvm.start("hold", directory, stderr);
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).as("child stderr: %s", Files.exists(stderr) ? Files.readString(stderr) : "")
          .isEqualTo("open");

      assertThatThrownBy(() -> SqliteStore.open(directory))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("is in use by another process (pid " + child.pid() + ")");

      child.getOutputStream().close();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    // Once the owner has closed, the directory opens again.
    try (SqliteStore store = SqliteStore.open(directory)) {
      store.ping();
    }
  }
}
