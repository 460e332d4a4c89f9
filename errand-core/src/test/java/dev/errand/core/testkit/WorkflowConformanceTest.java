package dev.errand.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.spi.CancelRequest;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.DeadFilter;
import dev.errand.core.spi.PruneRequest;
import dev.errand.core.spi.RunNowRequest;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WorkflowStore;
import dev.errand.core.workflow.Dependency;
import dev.errand.core.workflow.EnqueuedWorkflow;
import dev.errand.core.workflow.OnFailure;
import dev.errand.core.workflow.ParentResult;
import dev.errand.core.workflow.Workflow;
import dev.errand.core.workflow.WorkflowConflictException;
import dev.errand.core.workflow.WorkflowInfo;
import dev.errand.core.workflow.WorkflowState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Workflows against every store that has them ({@link WorkflowStore}): dependants are released by the
 * completions that satisfy them, in the same write, each edge once, so a chord's callback runs once after
 * all of its group, whatever runs twice or is replayed; failure policies, cancel, the finally-node and
 * retention. The tests drive the store by hand (claim, complete, sweep), as workers would, so every
 * interleaving they check is exact. Each store's test module subclasses this with {@link #newStore()}; a
 * store that can be closed and opened again on the same data overrides {@link #reopen()}.
 */
public abstract class WorkflowConformanceTest extends StoreUnderTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final String QUEUE = "wf";

  private Errand errand;

  /** The store opened again on the same data after {@link #store} was closed, as after a restart. */
  protected TaskStore reopen() {
    return null;
  }

  @BeforeEach
  void errandOnStore() {
    assumeThat(store.capability(WorkflowStore.class)).as("store has workflows").isPresent();
    errand = errandOn(store);
  }

  private static Errand errandOn(TaskStore store) {
    return Errand.builder().store(store).runWorkers(false).runSchedules(false).build();
  }

  private static TaskSpec spec(String type) {
    return TaskSpec.of(type, Json.parse("{}")).queue(QUEUE);
  }

  private WorkflowStore workflows() {
    return store.capability(WorkflowStore.class).orElseThrow();
  }

  private List<Task> claim(int limit) {
    return store.claim(new ClaimRequest(QUEUE, limit, LEASE, "worker-1")).tasks();
  }

  private Task claimOne(TaskId expected) {
    List<Task> claimed = claim(10);
    assertThat(claimed).extracting(Task::id).containsExactly(expected);
    return claimed.getFirst();
  }

  private void complete(Task running, Completion.Outcome outcome) {
    assertThat(store.completeMany(new CompleteRequest(List.of(
        new Completion(running.id(), running.lease().token(), outcome)))).stale()).isEmpty();
  }

  private void succeed(Task running, String result) {
    complete(running, new Completion.Succeeded(Json.parse(result)));
  }

  private void die(Task running) {
    complete(running, new Completion.Dead("boom " + running.id()));
  }

  private TaskState state(TaskId id) {
    return store.get(id).map(Task::state).orElse(null);
  }

  private WorkflowState workflowState(EnqueuedWorkflow w) {
    return workflows().workflow(w.id()).orElseThrow().state();
  }

  // ---------------------------------------------------------------- shapes

  @Test
  void chainRunsEachStepAfterThePreviousAndPassesItsResult() {
    EnqueuedWorkflow w = errand.enqueue(Workflow.chain(spec("a"), spec("b"), spec("c")));
    TaskId a = w.nodes().get("0");
    TaskId b = w.nodes().get("1");
    TaskId c = w.nodes().get("2");
    assertThat(state(b)).isEqualTo(TaskState.WAITING);
    assertThat(state(c)).isEqualTo(TaskState.WAITING);

    succeed(claimOne(a), "1");
    assertThat(state(c)).isEqualTo(TaskState.WAITING);
    Task runningB = claimOne(b);
    assertThat(workflows().parents(List.of(b)).get(b)).containsExactly(
        new ParentResult("0", a, TaskState.SUCCEEDED, Json.parse("1"), null));
    succeed(runningB, "2");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.RUNNING);
    succeed(claimOne(c), "3");

    WorkflowInfo info = workflows().workflow(w.id()).orElseThrow();
    assertThat(info.state()).isEqualTo(WorkflowState.SUCCEEDED);
    assertThat(info.finishedAt()).isNotNull();
    assertThat(info.nodes()).extracting(WorkflowInfo.Node::name, WorkflowInfo.Node::state).containsExactly(
        org.assertj.core.groups.Tuple.tuple("0", TaskState.SUCCEEDED),
        org.assertj.core.groups.Tuple.tuple("1", TaskState.SUCCEEDED),
        org.assertj.core.groups.Tuple.tuple("2", TaskState.SUCCEEDED));
    assertThat(info.nodes().get(2).dependsOn()).containsExactly(Dependency.on("1"));
  }

  /**
   * A store may skip the workflow step of a completion while no workflow node is open (SQLite does): a
   * plain task's completion first, a workflow that ends, a finally-task that ends after its workflow, and
   * a second workflow after that must each still move on.
   */
  @Test
  void workflowsMoveOnAfterPlainCompletionsAndAfterEarlierWorkflowsEnded() {
    TaskId plain = errand.enqueue(spec("plain")).id();
    succeed(claimOne(plain), "0");

    EnqueuedWorkflow first = errand.enqueue(Workflow.chain(spec("a"), spec("b")).withFinally(spec("cleanup")));
    succeed(claimOne(first.nodes().get("0")), "1");
    succeed(claimOne(first.nodes().get("1")), "2");
    assertThat(workflowState(first)).isEqualTo(WorkflowState.SUCCEEDED);
    TaskId cleanup = first.nodes().values().stream()
        .filter(id -> !id.equals(first.nodes().get("0")) && !id.equals(first.nodes().get("1")))
        .findFirst().orElseThrow();
    succeed(claimOne(cleanup), "3");

    TaskId plainAgain = errand.enqueue(spec("plain")).id();
    succeed(claimOne(plainAgain), "4");
    EnqueuedWorkflow second = errand.enqueue(Workflow.chain(spec("c"), spec("d")));
    succeed(claimOne(second.nodes().get("0")), "5");
    assertThat(state(second.nodes().get("1"))).isEqualTo(TaskState.READY);
    succeed(claimOne(second.nodes().get("1")), "6");
    assertThat(workflowState(second)).isEqualTo(WorkflowState.SUCCEEDED);
  }

  @Test
  void chordCallbackRunsOnceAfterAllOfAGroupOfHundredCompletingConcurrently() throws Exception {
    List<TaskSpec> members = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      members.add(spec("member"));
    }
    EnqueuedWorkflow w = errand.enqueue(Workflow.chord(Workflow.group(members), spec("callback")));
    TaskId callback = w.nodes().get("100");
    List<Task> claimed = new ArrayList<>(claim(100));
    assertThat(claimed).hasSize(100);
    long seed = new Random().nextLong();
    System.out.println("chord completion order seed " + seed);
    Collections.shuffle(claimed, new Random(seed));
    // Four completers race in batches of up to 7: the join must be decided once, by the last.
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int from = 0; from < claimed.size(); from += 7) {
        List<Task> batch = claimed.subList(from, Math.min(from + 7, claimed.size()));
        done.add(pool.submit(() -> {
          assertThat(state(callback)).isIn(TaskState.WAITING, TaskState.READY);
          store.completeMany(new CompleteRequest(batch.stream().map(t -> new Completion(t.id(), t.lease().token(),
              new Completion.Succeeded(Json.parse("\"" + t.id().value() + "\"")))).toList()));
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    Task cb = claimOne(callback);
    assertThat(claim(10)).isEmpty();
    List<ParentResult> parents = workflows().parents(List.of(callback)).get(callback);
    assertThat(parents).hasSize(100);
    for (int i = 0; i < 100; i++) {
      // In the group's order, whatever order they finished in.
      assertThat(parents.get(i).name()).isEqualTo(Integer.toString(i));
      assertThat(parents.get(i).result()).isEqualTo(Json.parse("\"" + w.nodes().get(Integer.toString(i)).value() + "\""));
    }
    succeed(cb, "null");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.SUCCEEDED);
  }

  @Test
  void generalGraphReleasesADependantWhenAllItsParentsAreDone() {
    EnqueuedWorkflow w = errand.enqueue(Workflow.builder()
        .node("join", spec("join"), "left", "right")
        .node("left", spec("left"), "root")
        .node("right", spec("right"), "root")
        .node("root", spec("root"))
        .build());
    succeed(claimOne(w.nodes().get("root")), "0");
    List<Task> both = claim(10);
    assertThat(both).extracting(Task::id).containsExactlyInAnyOrder(w.nodes().get("left"), w.nodes().get("right"));
    succeed(both.get(0), "1");
    assertThat(state(w.nodes().get("join"))).isEqualTo(TaskState.WAITING);
    succeed(both.get(1), "2");
    assertThat(workflows().parents(List.of(w.nodes().get("join"))).get(w.nodes().get("join")))
        .extracting(ParentResult::name).containsExactly("left", "right");
    succeed(claimOne(w.nodes().get("join")), "3");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.SUCCEEDED);
  }

  // ---------------------------------------------------------------- each edge once

  @Test
  void aDependencyRunTwiceReleasesItsDependantOnce() {
    EnqueuedWorkflow w = errand.enqueue(Workflow.builder()
        .node("a", spec("a"))
        .node("b", spec("b"))
        .node("join", spec("join"), "a", "b")
        .build());
    TaskId a = w.nodes().get("a");
    // a's first lease runs out; a second worker takes it; both attempts then finish.
    Task first = store.claim(new ClaimRequest(QUEUE, 2, Duration.ofMillis(200), "worker-1")).tasks().stream()
        .filter(t -> t.id().equals(a)).findFirst().orElseThrow();
    AtomicReference<Task> second = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
      store.sweepExpiredLeases(new SweepRequest(100));
      store.claim(new ClaimRequest(QUEUE, 10, LEASE, "worker-2")).tasks().stream()
          .filter(t -> t.id().equals(a)).forEach(second::set);
      return second.get() != null;
    });
    succeed(second.get(), "\"second\"");
    assertThat(store.completeMany(new CompleteRequest(List.of(new Completion(first.id(), first.lease().token(),
        new Completion.Succeeded(Json.parse("\"first\"")))))).stale()).containsExactly(a);

    // One of two edges resolved: the join still waits for b.
    assertThat(state(w.nodes().get("join"))).isEqualTo(TaskState.WAITING);
    assertThat(workflows().parents(List.of(w.nodes().get("join"))).get(w.nodes().get("join")).getFirst().result())
        .isEqualTo(Json.parse("\"second\""));
  }

  @Test
  void aReplayedDeadParentReleasesNothingTwice() {
    EnqueuedWorkflow w = errand.enqueue(Workflow.builder()
        .node("a", spec("a"))
        .node("b", spec("b").newBuilder().delay(Duration.ofHours(1)).build())
        .node("join", spec("join"), List.of(Dependency.after("a"), Dependency.on("b")))
        .build());
    TaskId a = w.nodes().get("a");
    TaskId join = w.nodes().get("join");
    die(claimOne(a));
    assertThat(state(join)).isEqualTo(TaskState.WAITING); // continue: one edge of two resolved

    assertThat(store.replayDead(DeadFilter.of(a))).isEqualTo(1);
    succeed(claimOne(a), "\"replayed\"");

    // Without per-edge records the replay's success would have taken the join's counter to zero.
    assertThat(state(join)).isEqualTo(TaskState.WAITING);
    assertThat(workflowState(w)).isEqualTo(WorkflowState.RUNNING);
  }

  @Test
  void aReplayedDeadNodeRevivesTheDependantsItCancelledAndTheWorkflowRunsAgain() {
    EnqueuedWorkflow w = errand.enqueue(Workflow.chain(spec("a"), spec("b"), spec("c")).withFinally(spec("cleanup")));
    TaskId a = w.nodes().get("0");
    TaskId fin = w.nodes().get(Workflow.FINALLY_NODE);
    die(claimOne(a));
    assertThat(state(w.nodes().get("1"))).isEqualTo(TaskState.CANCELLED);
    assertThat(state(w.nodes().get("2"))).isEqualTo(TaskState.CANCELLED);
    assertThat(workflowState(w)).isEqualTo(WorkflowState.FAILED);
    succeed(claimOne(fin), "null"); // the finally-node of the failed run

    assertThat(store.replayDead(DeadFilter.of(a))).isEqualTo(1);
    assertThat(workflowState(w)).isEqualTo(WorkflowState.RUNNING);
    assertThat(state(w.nodes().get("1"))).isEqualTo(TaskState.WAITING);
    assertThat(store.get(w.nodes().get("1")).orElseThrow().lastError()).isNull();
    assertThat(state(w.nodes().get("2"))).isEqualTo(TaskState.WAITING);
    assertThat(state(fin)).isEqualTo(TaskState.WAITING);

    succeed(claimOne(a), "1");
    succeed(claimOne(w.nodes().get("1")), "2");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.RUNNING);
    succeed(claimOne(w.nodes().get("2")), "3");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.SUCCEEDED);
    succeed(claimOne(fin), "null");
    assertThat(claim(10)).isEmpty();
  }

  @Test
  void aReplayRevivesOnlyTheDependantsNoOtherFailedParentCancels() {
    // a and b both feed join (fail policy); a dies first and cancels join, then b dies too.
    EnqueuedWorkflow w = errand.enqueue(Workflow.builder()
        .node("a", spec("a"))
        .node("b", spec("b").newBuilder().delay(Duration.ofHours(1)).build())
        .node("join", spec("join"), List.of(Dependency.on("a"), Dependency.on("b")))
        .node("next", spec("next"), List.of(Dependency.on("join")))
        .build());
    TaskId a = w.nodes().get("a");
    TaskId b = w.nodes().get("b");
    TaskId join = w.nodes().get("join");
    die(claimOne(a));
    assertThat(state(join)).isEqualTo(TaskState.CANCELLED);
    store.runNow(RunNowRequest.of(b));
    die(claimOne(b));
    assertThat(workflowState(w)).isEqualTo(WorkflowState.FAILED);

    // Replaying a alone: b still fails join, so join and next stay cancelled; a runs again.
    store.replayDead(DeadFilter.of(a));
    assertThat(state(join)).isEqualTo(TaskState.CANCELLED);
    assertThat(state(w.nodes().get("next"))).isEqualTo(TaskState.CANCELLED);
    assertThat(workflowState(w)).isEqualTo(WorkflowState.RUNNING);
    succeed(claimOne(a), "1");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.FAILED);

    // Replaying b then revives join, whose other parent has succeeded since, and next.
    store.replayDead(DeadFilter.of(b));
    assertThat(state(join)).isEqualTo(TaskState.WAITING);
    assertThat(state(w.nodes().get("next"))).isEqualTo(TaskState.WAITING);
    assertThat(workflowState(w)).isEqualTo(WorkflowState.RUNNING);
    succeed(claimOne(b), "2");
    assertThat(workflows().parents(List.of(join)).get(join)).extracting(ParentResult::state)
        .containsExactly(TaskState.SUCCEEDED, TaskState.SUCCEEDED);
    succeed(claimOne(join), "3");
    succeed(claimOne(w.nodes().get("next")), "4");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.SUCCEEDED);
  }

  @Test
  void aReplayedNodeOfACancelledWorkflowRevivesNothing() {
    EnqueuedWorkflow w = errand.enqueue(Workflow.chain(spec("a"), spec("b")));
    TaskId a = w.nodes().get("0");
    Task running = claimOne(a);
    errand.cancelWorkflow(w.id());
    die(running);
    assertThat(workflowState(w)).isEqualTo(WorkflowState.CANCELLED);

    store.replayDead(DeadFilter.of(a));
    assertThat(state(w.nodes().get("1"))).isEqualTo(TaskState.CANCELLED);
    succeed(claimOne(a), "1");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.CANCELLED);
  }

  @Test
  void aReplayedNodeOfACancelledWorkflowStillRunningCountsOnceTowardsItsEnd() {
    // a and b run when the workflow is cancelled; a dies and is replayed while b still runs. a's node
    // closed with its death: its second end must not count again, or the workflow would end before b.
    EnqueuedWorkflow w = errand.enqueue(Workflow.chain(Workflow.group(Workflow.task(spec("a")),
        Workflow.task(spec("b"))), Workflow.task(spec("c"))));
    List<Task> running = claim(2);
    assertThat(running).hasSize(2);
    Task a = running.getFirst();
    Task b = running.get(1);
    errand.cancelWorkflow(w.id());
    die(a);
    assertThat(workflowState(w)).isEqualTo(WorkflowState.RUNNING);

    assertThat(store.replayDead(DeadFilter.of(a.id()))).isEqualTo(1);
    succeed(claimOne(a.id()), "1");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.RUNNING); // b still runs
    assertThat(state(w.nodes().get("2"))).isEqualTo(TaskState.CANCELLED);

    succeed(b, "2");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.CANCELLED);
  }

  // ---------------------------------------------------------------- failure policies

  @Test
  void failPolicyCancelsEveryDependantDownTheChainWithTheReason() {
    EnqueuedWorkflow w = errand.enqueue(Workflow.chain(spec("a"), spec("b"), spec("c")).withFinally(spec("cleanup")));
    die(claimOne(w.nodes().get("0")));

    assertThat(state(w.nodes().get("1"))).isEqualTo(TaskState.CANCELLED);
    assertThat(store.get(w.nodes().get("1")).orElseThrow().lastError())
        .isEqualTo("dependency " + w.nodes().get("0") + " ended DEAD");
    assertThat(state(w.nodes().get("2"))).isEqualTo(TaskState.CANCELLED);
    assertThat(workflowState(w)).isEqualTo(WorkflowState.FAILED);
    // The finally-node runs all the same.
    succeed(claimOne(w.nodes().get(Workflow.FINALLY_NODE)), "null");
    assertThat(claim(10)).isEmpty();
  }

  @Test
  void continuePolicyRunsTheDependantWhichSeesTheFailure() {
    EnqueuedWorkflow w = errand.enqueue(Workflow.chord(Workflow.group(spec("a"), spec("b")), spec("cb"),
        OnFailure.CONTINUE));
    List<Task> group = claim(10);
    assertThat(group).hasSize(2);
    Task a = group.stream().filter(t -> t.id().equals(w.nodes().get("0"))).findFirst().orElseThrow();
    Task b = group.stream().filter(t -> t.id().equals(w.nodes().get("1"))).findFirst().orElseThrow();
    die(a);
    succeed(b, "2");
    TaskId cb = w.nodes().get("2");
    Task callback = claimOne(cb);
    List<ParentResult> parents = workflows().parents(List.of(cb)).get(cb);
    assertThat(parents).extracting(ParentResult::state).containsExactly(TaskState.DEAD, TaskState.SUCCEEDED);
    assertThat(parents.getFirst().error()).isEqualTo("boom " + a.id());
    succeed(callback, "null");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.FAILED); // a node died, though the rest ran
  }

  @Test
  void aLeaseLostOnTheFinalAttemptFailsTheDependantsToo() {
    EnqueuedWorkflow w = errand.enqueue(Workflow.chain(spec("a").maxAttempts(1), spec("b")));
    store.claim(new ClaimRequest(QUEUE, 1, Duration.ofMillis(100), "worker-1"));
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
      store.sweepExpiredLeases(new SweepRequest(100));
      return state(w.nodes().get("0")) == TaskState.DEAD;
    });
    assertThat(state(w.nodes().get("1"))).isEqualTo(TaskState.CANCELLED);
    assertThat(workflowState(w)).isEqualTo(WorkflowState.FAILED);
  }

  @Test
  void cancellingAWaitingNodeCancelsItsDependants() {
    EnqueuedWorkflow w = errand.enqueue(Workflow.chain(spec("a"), spec("b"), spec("c")));
    errand.cancel(w.nodes().get("1"));
    assertThat(state(w.nodes().get("2"))).isEqualTo(TaskState.CANCELLED);
    succeed(claimOne(w.nodes().get("0")), "1");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.FAILED);
  }

  // ---------------------------------------------------------------- cancel, finally, retention

  @Test
  void cancelStopsWhatHasNotRunAndEndsWhenTheRunningNodesAreDone() {
    EnqueuedWorkflow w = errand.enqueue(Workflow.chain(Workflow.group(Workflow.task(spec("a")),
        Workflow.task(spec("b"))), Workflow.task(spec("c"))).withFinally(spec("cleanup")));
    Task a = claim(1).getFirst();
    TaskId b = a.id().equals(w.nodes().get("0")) ? w.nodes().get("1") : w.nodes().get("0");

    WorkflowInfo info = errand.cancelWorkflow(w.id()).orElseThrow();
    assertThat(info.state()).isEqualTo(WorkflowState.RUNNING); // a is still running
    assertThat(state(b)).isEqualTo(TaskState.CANCELLED);
    assertThat(state(w.nodes().get("2"))).isEqualTo(TaskState.CANCELLED);
    assertThat(state(a.id())).isEqualTo(TaskState.RUNNING);
    assertThat(state(w.nodes().get(Workflow.FINALLY_NODE))).isEqualTo(TaskState.WAITING);

    succeed(a, "1");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.CANCELLED);
    succeed(claimOne(w.nodes().get(Workflow.FINALLY_NODE)), "null");
    assertThat(errand.cancelWorkflow(w.id()).orElseThrow().state()).isEqualTo(WorkflowState.CANCELLED);
    assertThat(errand.cancelWorkflow("no-such-workflow")).isEmpty();
  }

  @Test
  void finallyNodeSeesEveryNodeOfItsWorkflowAsItsParents() {
    EnqueuedWorkflow w = errand.enqueue(Workflow.chord(Workflow.group(spec("a"), spec("b")), spec("cb"),
        OnFailure.CONTINUE).withFinally(spec("cleanup")));
    List<Task> group = claim(10);
    Task a = group.stream().filter(t -> t.id().equals(w.nodes().get("0"))).findFirst().orElseThrow();
    Task b = group.stream().filter(t -> t.id().equals(w.nodes().get("1"))).findFirst().orElseThrow();
    succeed(a, "\"first\"");
    die(b);
    succeed(claimOne(w.nodes().get("2")), "\"callback\"");
    TaskId fin = w.nodes().get(Workflow.FINALLY_NODE);
    claimOne(fin);

    List<ParentResult> parents = workflows().parents(List.of(fin)).get(fin);
    assertThat(parents).extracting(ParentResult::name).containsExactly("0", "1", "2");
    assertThat(parents).extracting(ParentResult::state)
        .containsExactly(TaskState.SUCCEEDED, TaskState.DEAD, TaskState.SUCCEEDED);
    assertThat(parents).extracting(ParentResult::result)
        .containsExactly(Json.parse("\"first\""), null, Json.parse("\"callback\""));
    assertThat(parents.get(1).error()).isEqualTo("boom " + b.id());
  }

  @Test
  void finallyNodeRunsOnceWhenTheWorkflowSucceeds() {
    EnqueuedWorkflow w = errand.enqueue(Workflow.chain(spec("a")).withFinally(spec("cleanup")));
    TaskId fin = w.nodes().get(Workflow.FINALLY_NODE);
    assertThat(state(fin)).isEqualTo(TaskState.WAITING);
    succeed(claimOne(w.nodes().get("0")), "1");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.SUCCEEDED);
    succeed(claimOne(fin), "null");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.SUCCEEDED);
    assertThat(workflows().workflow(w.id()).orElseThrow().nodes().getLast().isFinally()).isTrue();
  }

  @Test
  void resultsOfARunningWorkflowOutliveRetentionUntilItEnds() {
    EnqueuedWorkflow w = errand.enqueue(Workflow.chain(spec("a"), spec("b")));
    TaskId a = w.nodes().get("0");
    succeed(claimOne(a), "1");
    Instant future = Instant.now().plus(Duration.ofDays(1));
    store.prune(new PruneRequest(future, 1000));
    assertThat(state(a)).isEqualTo(TaskState.SUCCEEDED);

    succeed(claimOne(w.nodes().get("1")), "2");
    store.prune(new PruneRequest(future, 1000));
    assertThat(store.get(a)).isEmpty();
    assertThat(workflows().workflow(w.id())).isEmpty(); // the ended workflow's rows go with the retention
  }

  // ---------------------------------------------------------------- enqueue

  @Test
  void idempotencyKeyReturnsTheFirstWorkflowAndRefusesADifferentGraph() {
    EnqueuedWorkflow first = errand.enqueue(Workflow.chain(spec("a"), spec("b")).idempotencyKey("wf-1"));
    EnqueuedWorkflow again = errand.enqueue(Workflow.chain(spec("a"), spec("b")).idempotencyKey("wf-1"));
    assertThat(first.created()).isTrue();
    assertThat(again.created()).isFalse();
    assertThat(again.id()).isEqualTo(first.id());
    assertThat(again.nodes()).isEqualTo(first.nodes());
    assertThat(claim(10)).hasSize(1);
    assertThatThrownBy(() -> errand.enqueue(Workflow.chain(spec("a"), spec("c")).idempotencyKey("wf-1")))
        .isInstanceOf(WorkflowConflictException.class).hasMessageContaining(first.id());
  }

  @Test
  void handlersReadTheirParentsResultsThroughTheTaskContext() {
    Errand running = Errand.builder().store(store).queue(QUEUE, 4).pollInterval(Duration.ofMillis(50)).build();
    AtomicReference<List<Integer>> seen = new AtomicReference<>();
    AtomicInteger callbacks = new AtomicInteger();
    running.handle("square", Integer.class, (ctx, n) -> n * n);
    running.handle("sum", Object.class, (ctx, ignored) -> {
      callbacks.incrementAndGet();
      seen.set(ctx.parents().stream().map(p -> Integer.parseInt(p.result().asString())).toList());
      return null;
    });
    List<TaskSpec> squares = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      squares.add(TaskSpec.of("square", i).queue(QUEUE));
    }
    EnqueuedWorkflow w = running.enqueue(Workflow.chord(Workflow.group(squares), TaskSpec.of("sum", Json.NULL).queue(QUEUE)));
    running.start();
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> workflowState(w) == WorkflowState.SUCCEEDED);
    } finally {
      running.stop();
    }
    assertThat(seen.get()).containsExactly(1, 4, 9, 16, 25);
    assertThat(callbacks.get()).isEqualTo(1);
  }

  @Test
  void aWorkflowFinishesAfterTheStoreIsClosedAndOpenedBetweenCompletions() {
    EnqueuedWorkflow w = errand.enqueue(Workflow.chord(Workflow.group(spec("a"), spec("b"), spec("c")), spec("cb")));
    List<Task> group = claim(10);
    succeed(group.get(0), "1");
    store.close();
    TaskStore reopened = reopen();
    assumeThat(reopened).as("store can be opened again on its data").isNotNull();
    store = reopened;
    errand = errandOn(store);
    // The other two leases outlived the restart; their workers finish them.
    succeed(group.get(1), "2");
    assertThat(state(w.nodes().get("3"))).isEqualTo(TaskState.WAITING);
    succeed(group.get(2), "3");
    Task cb = claimOne(w.nodes().get("3"));
    assertThat(workflows().parents(List.of(cb.id())).get(cb.id())).hasSize(3);
    succeed(cb, "null");
    assertThat(workflowState(w)).isEqualTo(WorkflowState.SUCCEEDED);
  }
}
