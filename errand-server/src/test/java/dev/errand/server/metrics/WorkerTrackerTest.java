package dev.errand.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Json;
import dev.errand.core.Lease;
import dev.errand.core.RetryPolicy;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.testkit.MutableClock;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class WorkerTrackerTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private final WorkerTracker tracker = new WorkerTracker(Clock.fixed(NOW, ZoneOffset.UTC),
      WorkerTracker.DEFAULT_WINDOW);
  private final TaskId id = TaskId.generate();

  private Task running(String worker, int attempt) {
    return task(TaskState.RUNNING, attempt, new Lease(UUID.randomUUID().toString(), NOW.plusSeconds(30), worker));
  }

  private Task task(TaskState state, int attempt, Lease lease) {
    return new Task(id, "q", "job", Json.NULL, 0, state, attempt, RetryPolicy.DEFAULT, Duration.ofMinutes(1), null,
        NOW, NOW, NOW, null, lease, null, null);
  }

  private Map<String, Integer> running() {
    Map<String, Integer> out = new HashMap<>();
    tracker.alive().forEach(w -> out.put(w.workerId(), w.running()));
    return out;
  }

  @Test
  void aLeaseTakenBackOnAnotherNodeAndClaimedHereEndsTheOldWorkersCount() {
    tracker.claimed(running("w-lost", 1));
    // Another node swept the lease, so this one never heard; then a worker here claims the task again.
    Task again = running("w-ok", 2);
    tracker.claimed(again);
    assertThat(running()).isEqualTo(Map.of("w-lost", 0, "w-ok", 1));
    tracker.succeeded(task(TaskState.SUCCEEDED, 2, null), Duration.ZERO); // as a remote completion returns it
    assertThat(running()).isEqualTo(Map.of("w-lost", 0, "w-ok", 0));
  }

  @Test
  void lateWordOfAnOldLeaseDoesNotEndTheCurrentOne() {
    Task first = running("w-1", 1);
    tracker.claimed(first);
    tracker.leaseLost(first); // swept here
    Task second = running("w-2", 2);
    tracker.claimed(second);
    tracker.leaseLost(first); // the first worker's runtime hears of it late
    tracker.dead(first, "lease expired on worker w-1");
    assertThat(running()).isEqualTo(Map.of("w-1", 0, "w-2", 1));
    tracker.retrying(second, "boom", Duration.ZERO);
    assertThat(running()).isEqualTo(Map.of("w-1", 0, "w-2", 0));
  }

  private static Task leased(String worker, Duration lease, Instant now) {
    return new Task(TaskId.generate(), "q", "job", Json.NULL, 0, TaskState.RUNNING, 1, RetryPolicy.DEFAULT,
        Duration.ofHours(1), null, now, now, now, null, new Lease("t", now.plus(lease), worker), null, null);
  }

  private static boolean alive(WorkerTracker t, String worker) {
    return t.alive().stream().anyMatch(w -> w.workerId().equals(worker));
  }

  @Test
  void aWorkerIsGoneOnceUnseenForLongerThanItsLeaseOrItsLongPoll() {
    MutableClock clock = new MutableClock(NOW);
    WorkerTracker t = new WorkerTracker(clock, WorkerTracker.DEFAULT_WINDOW);
    t.polling("long", Duration.ofSeconds(1));
    t.claimed(leased("long", Duration.ofMinutes(5), clock.instant())); // heartbeats every 100 s or so
    t.polling("short", Duration.ofSeconds(1));
    t.claimed(leased("short", Duration.ofSeconds(10), clock.instant()));
    t.polling("idle", Duration.ofSeconds(60)); // claimed nothing yet: the window applies
    t.polling("waiting", Duration.ofSeconds(60));
    t.claimed(leased("waiting", Duration.ofSeconds(10), clock.instant()));
    clock.set(NOW.plus(Duration.ofSeconds(10).plus(WorkerTracker.GRACE).plusMillis(1)));
    assertThat(alive(t, "short")).as("unseen for its lease and the grace").isFalse();
    assertThat(alive(t, "waiting")).as("in a 60 s long poll").isTrue();
    assertThat(alive(t, "long")).isTrue();
    clock.set(NOW.plus(Duration.ofSeconds(80)));
    assertThat(alive(t, "long")).as("between heartbeats of a five-minute lease").isTrue();
    assertThat(alive(t, "idle")).as("within the window").isTrue();
    assertThat(alive(t, "waiting")).as("its long poll and lease are over").isFalse();
    clock.set(NOW.plus(Duration.ofMinutes(5)).plus(WorkerTracker.GRACE).plusMillis(1));
    assertThat(alive(t, "long")).isFalse();
    assertThat(alive(t, "idle")).isFalse();
  }

  @Test
  void aWorkerInThisProcessIsSeenOnlyWhenItClaimsSoItKeepsTheWindow() {
    MutableClock clock = new MutableClock(NOW);
    WorkerTracker t = new WorkerTracker(clock, WorkerTracker.DEFAULT_WINDOW);
    t.claimed(leased("in-process", Duration.ofSeconds(30), clock.instant()));
    clock.set(NOW.plus(WorkerTracker.DEFAULT_WINDOW).minusSeconds(1));
    assertThat(alive(t, "in-process")).as("idle, not gone").isTrue();
    clock.set(NOW.plus(WorkerTracker.DEFAULT_WINDOW).plusSeconds(1));
    assertThat(alive(t, "in-process")).isFalse();
  }
}
