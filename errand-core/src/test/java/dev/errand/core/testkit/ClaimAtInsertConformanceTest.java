package dev.errand.core.testkit;

import static dev.errand.core.testkit.NewTasks.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.errand.core.Json;
import dev.errand.core.QueueLimits;
import dev.errand.core.Task;
import dev.errand.core.TaskState;
import dev.errand.core.spi.AttemptTimeout;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.QueueLimitStore;
import dev.errand.core.spi.QueueLimitsRequest;
import dev.errand.core.spi.QueuePauseRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link InsertRequest#claimFor}, run against every store: an insert offered to an idle
 * worker leases its task to that worker only when the worker's own claim would have taken it, and the
 * lease is a claim's in every way. A store that does not lease at insert overrides {@link
 * #claimsAtInsert} to false: it must still insert the task as usual, and the tests that require the
 * lease skip.
 */
public abstract class ClaimAtInsertConformanceTest extends StoreUnderTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final String WORKER = "insert-worker";

  /** Whether the store leases a task at insert at all. */
  protected boolean claimsAtInsert() {
    return true;
  }

  private InsertResult.Outcome offer(NewTask task) {
    InsertResult result = store.insertMany(
        InsertRequest.claiming(task, new ClaimRequest(task.queue(), 1, LEASE, WORKER)));
    assertThat(result.outcomes()).hasSize(1);
    return result.outcomes().get(0);
  }

  private Task insert(NewTask task) {
    return store.insertMany(new InsertRequest(List.of(task))).outcomes().get(0).task();
  }

  private Task leasedAtInsert(NewTask task) {
    assumeThat(claimsAtInsert()).as("store leases at insert").isTrue();
    InsertResult.Outcome o = offer(task);
    assertThat(o.created()).isTrue();
    assertThat(o.task().state()).isEqualTo(TaskState.RUNNING);
    return o.task();
  }

  /** The offered task went in as a plain insert would have put it, leased to nobody. */
  private void insertedUnleased(InsertResult.Outcome o, TaskState state) {
    assertThat(o.created()).isTrue();
    assertThat(o.task().state()).isEqualTo(state);
    assertThat(o.task().attempt()).isZero();
    assertThat(o.task().lease()).isNull();
    assertThat(store.get(o.task().id()).orElseThrow().state()).isEqualTo(state);
  }

  @Test
  void aTaskOfAnIdleQueueIsLeasedToTheWorkerAsItsClaimWouldLeaseIt() {
    Task t = leasedAtInsert(task("q").build());
    assertThat(t.attempt()).isEqualTo(1);
    assertThat(t.lease().workerId()).isEqualTo(WORKER);
    assertThat(t.startedAt()).isNotNull();
    assertThat(t.lease().until()).isAfter(t.startedAt());
    Task stored = store.get(t.id()).orElseThrow();
    assertThat(stored).isEqualTo(t);

    // Held: no other claim gets it, and its token completes it like a claimed task's.
    assertThat(store.claim(new ClaimRequest("q", 10, LEASE, "other-worker")).tasks()).isEmpty();
    assertThat(store.completeMany(new CompleteRequest(List.of(new Completion(t.id(), t.lease().token(),
        new Completion.Succeeded(Json.parse("{\"ok\":true}")))))).stale()).isEmpty();
    assertThat(store.get(t.id()).orElseThrow().state()).isEqualTo(TaskState.SUCCEEDED);
  }

  @Test
  void theLeaseIsCappedByTheTasksTimeoutAsAClaimsIs() {
    Duration timeout = Duration.ofSeconds(1);
    Task t = leasedAtInsert(task("q").timeout(timeout).build());
    assertThat(Duration.between(t.startedAt(), t.lease().until()))
        .isLessThanOrEqualTo(timeout.plus(AttemptTimeout.GRACE));
  }

  @Test
  void readyWorkOfAnotherQueueDoesNotHoldItBack() {
    insert(task("other").build());
    leasedAtInsert(task("q").build());
  }

  @Test
  void aReadyTaskAheadInTheQueueKeepsTheNewOneReadyAndFirstInLine() {
    Task ahead = insert(task("q").build());
    InsertResult.Outcome o = offer(task("q").build());
    insertedUnleased(o, TaskState.READY);
    List<Task> claimed = store.claim(new ClaimRequest("q", 2, LEASE, "w")).tasks();
    assertThat(claimed).extracting(Task::id).containsExactly(ahead.id(), o.task().id());
  }

  @Test
  void aDelayedTaskThatCameDueKeepsTheNewOneReady() throws InterruptedException {
    Task due = insert(task("q").delay(Duration.ofMillis(100)).build());
    Thread.sleep(300);
    insertedUnleased(offer(task("q").build()), TaskState.READY);
    assertThat(store.claim(new ClaimRequest("q", 1, LEASE, "w")).tasks()).extracting(Task::id)
        .containsExactly(due.id());
  }

  @Test
  void aPausedQueueLeasesNothing() {
    store.pauseQueue(new QueuePauseRequest("q", true));
    insertedUnleased(offer(task("q").build()), TaskState.READY);
  }

  @Test
  void aLimitedQueueLeasesNothingSinceOnlyItsClaimCountsAgainstTheLimits() {
    QueueLimitStore limits = store.capability(QueueLimitStore.class).orElse(null);
    assumeThat(limits).as("store has flow limits").isNotNull();
    limits.limitQueue(new QueueLimitsRequest("q", QueueLimits.concurrency(5)));
    insertedUnleased(offer(task("q").build()), TaskState.READY);
  }

  @Test
  void aDelayedTaskOrAWaitingWorkflowNodeIsNotLeased() {
    insertedUnleased(offer(task("q").delay(Duration.ofHours(1)).build()), TaskState.SCHEDULED);
    insertedUnleased(offer(task("joins").joinCount(1).build()), TaskState.WAITING);
  }

  @Test
  void aTakenIdempotencyKeyAnswersWithTheTaskThatHoldsItAndLeasesNothing() {
    Task first = insert(task("q").idempotencyKey("k").build());
    Task running = store.claim(new ClaimRequest("q", 1, LEASE, "other-worker")).tasks().get(0);
    assertThat(running.id()).isEqualTo(first.id());

    InsertResult.Outcome o = offer(task("q").idempotencyKey("k").build());
    assertThat(o.created()).isFalse();
    assertThat(o.task().id()).isEqualTo(first.id());
    assertThat(store.get(first.id()).orElseThrow().lease().token()).isEqualTo(running.lease().token());
  }
}
