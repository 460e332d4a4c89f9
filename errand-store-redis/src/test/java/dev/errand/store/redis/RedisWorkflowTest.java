package dev.errand.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.PruneRequest;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WorkflowInsert;
import dev.errand.core.spi.WorkflowStore;
import dev.errand.core.testkit.NewTasks;
import dev.errand.core.testkit.WorkflowConformanceTest;
import dev.errand.core.workflow.Dependency;
import dev.errand.core.workflow.EnqueuedWorkflow;
import dev.errand.core.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Workflows against a redis-server of the test's own, each test under its own key prefix, opened again
 * by a new store on the same prefix for restarts; and what the Redis store adds: a workflow whose insert
 * cannot be whole writes nothing (a script's writes are not undone, so it checks before its first), and a
 * prune that meets the results of a running workflow sets them aside and goes on to the tasks behind them.
 */
class RedisWorkflowTest extends WorkflowConformanceTest {
  private String url;

  @Override
  protected TaskStore newStore() {
    url = RedisServer.shared().url("durability=none");
    return RedisStore.of(url);
  }

  @Override
  protected TaskStore reopen() {
    return RedisStore.of(url);
  }

  @Test
  void aWorkflowWithANodeWhoseTaskIdIsHeldWritesNothing() {
    TaskId held = TaskId.generate();
    store.insertMany(new InsertRequest(List.of(NewTasks.task("wf").id(held.value()).build())));
    NewTask first = NewTasks.task("wf").build();
    NewTask second = NewTasks.task("wf").id(held.value()).joinCount(1).build();
    WorkflowInsert insert = new WorkflowInsert(TaskId.generate().value(), "key-1", "fingerprint", List.of(
        new WorkflowInsert.Node("first", first, List.of(), false),
        new WorkflowInsert.Node("second", second, List.of(Dependency.on("first")), false)));
    WorkflowStore workflows = store.capability(WorkflowStore.class).orElseThrow();

    assertThatThrownBy(() -> workflows.insertWorkflow(insert)).hasMessageContaining(held.value());
    assertThat(store.get(first.id())).isEmpty();
    assertThat(workflows.workflow(insert.id())).isEmpty();
    assertThat(store.get(held).orElseThrow().state()).isEqualTo(TaskState.READY);
  }

  @Test
  void resultsHeldForARunningWorkflowDoNotStopThePruningOfLaterTasks() {
    Errand errand = Errand.builder().store(store).runWorkers(false).runSchedules(false).build();
    EnqueuedWorkflow w = errand.enqueue(Workflow.chain(TaskSpec.of("a", 1).queue("wf"), TaskSpec.of("b", 2).queue("wf")));
    TaskId plain = errand.enqueue(TaskSpec.of("plain", 3).queue("wf")).id();
    Task a = claim();
    Task runningPlain = claim();
    assertThat(runningPlain.id()).isEqualTo(plain);
    succeed(a);
    succeed(runningPlain);
    Instant future = Instant.now().plus(Duration.ofDays(1));

    // a finished first, but its workflow runs: the prune of one task takes the plain task behind it.
    assertThat(store.prune(new PruneRequest(future, 1))).isEqualTo(1);
    assertThat(store.get(plain)).isEmpty();
    assertThat(store.get(w.nodes().get("0"))).isPresent();
    assertThat(store.prune(new PruneRequest(future, 10))).isZero();

    succeed(claim());
    assertThat(store.prune(new PruneRequest(future, 10))).isEqualTo(2);
    assertThat(store.get(w.nodes().get("0"))).isEmpty();
    assertThat(errand.workflow(w.id())).isEmpty();
  }

  private Task claim() {
    List<Task> claimed = store.claim(new ClaimRequest("wf", 1, Duration.ofSeconds(30), "worker-1")).tasks();
    assertThat(claimed).hasSize(1);
    return claimed.getFirst();
  }

  private void succeed(Task running) {
    assertThat(store.completeMany(new CompleteRequest(List.of(new Completion(running.id(), running.lease().token(),
        new Completion.Succeeded(Json.parse("0")))))).stale()).isEmpty();
  }
}
