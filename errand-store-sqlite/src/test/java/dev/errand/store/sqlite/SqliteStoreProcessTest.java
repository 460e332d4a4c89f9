package dev.errand.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.StoreUnavailableException;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.workflow.WorkflowState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

  /**
   * A process completing a chord's members is killed between completions; after a restart the rest are
   * completed, and the callback is released once, after all of them, and sees every result.
   */
  @Test
  void aChordKilledBetweenCompletionsFinishesAfterARestart() throws Exception {
    Path stderr = logs.resolve("child.err");
    Process child = ChildJvm.start("chord", directory, stderr);
    String workflow;
    TaskId callback;
    Set<TaskId> acknowledged = new HashSet<>();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String[] first = String.valueOf(out.readLine()).split(" ");
      assertThat(first[0]).as("child stderr: %s", Files.exists(stderr) ? Files.readString(stderr) : "")
          .isEqualTo("workflow");
      workflow = first[1];
      callback = TaskId.of(first[2]);
      String line;
      while (acknowledged.size() < 300 && (line = out.readLine()) != null) {
        acknowledged.add(TaskId.of(line.split(" ")[1]));
      }
      child.destroyForcibly(); // SIGKILL between (and during) completions
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(300);

    try (SqliteStore reopened = SqliteStore.open(directory)) {
      acknowledged.forEach(id -> assertThat(reopened.get(id).orElseThrow().state()).isEqualTo(TaskState.SUCCEEDED));
      assertThat(reopened.get(callback).orElseThrow().state()).isEqualTo(TaskState.WAITING);
      int callbacksClaimed = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (reopened.workflow(workflow).orElseThrow().state() == WorkflowState.RUNNING) {
        assertThat(System.nanoTime()).as("workflow finished in time").isLessThan(deadline);
        reopened.sweepExpiredLeases(new SweepRequest(1_000)); // the dead child's leases, once they run out
        List<Task> claimed = reopened.claim(new ClaimRequest("chord", 100, Duration.ofMinutes(1), "parent")).tasks();
        for (Task t : claimed) {
          if (t.id().equals(callback)) {
            callbacksClaimed++;
            assertThat(reopened.parents(List.of(callback)).get(callback)).hasSize(StoreChild.CHORD_MEMBERS)
                .allSatisfy(p -> assertThat(p.state()).isEqualTo(TaskState.SUCCEEDED));
          }
        }
        reopened.completeMany(new CompleteRequest(claimed.stream().map(t -> new Completion(t.id(),
            t.lease().token(), new Completion.Succeeded(t.payload()))).toList()));
        if (claimed.isEmpty()) {
          Thread.sleep(100);
        }
      }
      assertThat(callbacksClaimed).isEqualTo(1);
      assertThat(reopened.workflow(workflow).orElseThrow().state()).isEqualTo(WorkflowState.SUCCEEDED);
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
