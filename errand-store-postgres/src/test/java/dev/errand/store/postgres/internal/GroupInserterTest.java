package dev.errand.store.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.RetryPolicy;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.NewTask;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The group insert's hand-off, without a database: the insert is a function that records which thread
 * ran it and waits for the test's word, so the test decides what is in flight while callers arrive.
 */
class GroupInserterTest {
  private final List<Thread> ranOn = new CopyOnWriteArrayList<>();
  private final List<List<NewTask>> ran = new CopyOnWriteArrayList<>();
  private final Map<Integer, CountDownLatch> gates = new ConcurrentHashMap<>();
  private final GroupInserter inserter = new GroupInserter("test", this::insert, e -> false);

  /**
   * Under a stream of callers the next group runs on the thread that ran the last one, at once, without
   * waiting for a new thread to be scheduled; a caller's thread never runs a group; and once no one is
   * waiting, the next caller goes alone on its own thread again.
   */
  @Test
  void groupsThatFollowOneAnotherRunOnOneThreadOfTheirOwn() throws Exception {
    Map<String, Object> answers = new ConcurrentHashMap<>();
    Thread lone = call("lone", answers);
    await().until(() -> ran.size() == 1); // in flight, held at its gate
    Thread a1 = call("a1", answers);
    Thread a2 = call("a2", answers);
    awaitWaiting(a1, a2);
    open(0); // the lone insert ends: a1 and a2 go next, as one group
    await().until(() -> ran.size() == 2);
    Thread b = call("b", answers);
    awaitWaiting(b);
    open(1); // the group ends while b waits: b goes next
    await().until(() -> ran.size() == 3);
    open(2);
    for (Thread t : List.of(lone, a1, a2, b)) {
      t.join(Duration.ofSeconds(10));
    }

    assertThat(names(ran.get(1))).containsExactly("a1", "a2");
    assertThat(names(ran.get(2))).containsExactly("b");
    assertThat(ranOn.get(0)).as("a lone insert runs on its caller's thread").isSameAs(lone);
    assertThat(ranOn.get(1)).as("a group never runs on a caller's thread").isNotIn(lone, a1, a2, b);
    assertThat(ranOn.get(2)).as("the next group runs on the thread that ran the last").isSameAs(ranOn.get(1));
    assertThat(answers).containsOnlyKeys("lone", "a1", "a2", "b")
        .allSatisfy((name, answer) -> assertThat(answer).isEqualTo(name));

    // Nothing in flight any more: the next caller goes alone, on its own thread.
    gates.put(3, new CountDownLatch(0));
    Thread c = call("c", answers);
    c.join(Duration.ofSeconds(10));
    assertThat(ranOn.get(3)).isSameAs(c);
    assertThat(answers).containsEntry("c", "c");
  }

  private InsertResult insert(List<NewTask> tasks) {
    int call = ran.size();
    ranOn.add(Thread.currentThread());
    ran.add(tasks);
    try {
      if (!gates.computeIfAbsent(call, k -> new CountDownLatch(1)).await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("insert " + call + " was never let go");
      }
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    List<InsertResult.Outcome> outcomes = new ArrayList<>();
    for (NewTask t : tasks) {
      outcomes.add(new InsertResult.Outcome(task(t), true));
    }
    return new InsertResult(outcomes);
  }

  private void open(int call) {
    gates.computeIfAbsent(call, k -> new CountDownLatch(1)).countDown();
  }

  /** A caller on a virtual thread of its own, inserting one task whose type is {@code name}. */
  private Thread call(String name, Map<String, Object> answers) {
    NewTask task = newTask(name);
    return Thread.ofVirtual().start(
        () -> answers.put(name, inserter.insert(List.of(task)).outcomes().getFirst().task().type()));
  }

  private static void awaitWaiting(Thread... callers) {
    for (Thread t : callers) {
      await().atMost(Duration.ofSeconds(10)).until(() -> t.getState() == Thread.State.WAITING);
    }
  }

  private static List<String> names(List<NewTask> tasks) {
    return tasks.stream().map(NewTask::type).toList();
  }

  private static NewTask newTask(String type) {
    return new NewTask(TaskId.generate(), "q", type, Json.parse("{}"), 0, null, Duration.ZERO, RetryPolicy.DEFAULT,
        Duration.ofMinutes(1), null);
  }

  private static Task task(NewTask t) {
    Instant now = Instant.now();
    return new Task(t.id(), t.queue(), t.type(), t.payload(), t.priority(), TaskState.READY, 0, t.retry(),
        t.timeout(), t.idempotencyKey(), now, now, null, null, null, null, null);
  }
}
