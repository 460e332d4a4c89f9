package dev.errand.store.sqlite;

import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskSpec;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.NewTask;
import dev.errand.core.testkit.NewTasks;
import dev.errand.core.workflow.EnqueuedWorkflow;
import dev.errand.core.workflow.Workflow;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The other process in the multi-process tests, started by {@link ChildJvm}. Modes:
 * <ul>
 *   <li>{@code insert DIR}: four threads insert small batches forever; after each insertMany returns,
 *       prints one line {@code id n} per task (the payload is {@link #payload(long)}).
 *   <li>{@code claim DIR}: inserts 2,000 tasks, then claims them in batches of 10 (one thread) and,
 *       after each claim returns, prints one line {@code id token} per claimed task, then keeps claiming
 *       an empty queue until killed.
 *   <li>{@code hold DIR}: opens the store, prints {@code open}, and keeps it open until stdin closes.
 *   <li>{@code chord DIR}: enqueues a chord of {@link #CHORD_MEMBERS} tasks in queue {@code chord}, prints
 *       {@code workflow ID CALLBACK_ID}, then claims members in batches of 10 with a 2 s lease and completes
 *       each batch in one call, printing {@code done ID} per task after the call returns, until killed.
 * </ul>
 */
public final class StoreChild {
  private StoreChild() {}

  /** The payload of the task numbered {@code n}: whitespace, key order and non-ASCII all matter. */
  public static Json payload(long n) {
    return Json.parse("{ \"n\" : " + n + ",\n  \"b\" : \"ünï ✓ " + n + "\", \"a\" : [1, 2.50] }");
  }

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[1]);
    switch (args[0]) {
      case "insert" -> insertForever(directory);
      case "claim" -> claimAll(directory);
      case "hold" -> hold(directory);
      case "chord" -> chord(directory);
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  private static void insertForever(Path directory) throws InterruptedException {
    SqliteStore store = SqliteStore.open(directory);
    AtomicLong counter = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      threads.add(Thread.ofPlatform().start(() -> {
        while (true) {
          List<NewTask> batch = new ArrayList<>();
          List<Long> numbers = new ArrayList<>();
          for (int i = 0; i < 5; i++) {
            long n = counter.incrementAndGet();
            numbers.add(n);
            batch.add(NewTasks.task("crash").payload(payload(n)).build());
          }
          InsertResult result = store.insertMany(new InsertRequest(batch));
          StringBuilder lines = new StringBuilder();
          for (int i = 0; i < numbers.size(); i++) {
            lines.append(result.outcomes().get(i).task().id()).append(' ').append(numbers.get(i)).append('\n');
          }
          // Printed only now: every id the parent reads was acknowledged as durable.
          synchronized (System.out) {
            System.out.print(lines);
            System.out.flush();
          }
        }
      }));
    }
    for (Thread thread : threads) {
      thread.join();
    }
  }

  public static final int CHORD_MEMBERS = 2_000;

  private static void chord(Path directory) {
    SqliteStore store = SqliteStore.open(directory);
    Errand errand = Errand.builder().store(store).runWorkers(false).runSchedules(false).build();
    List<TaskSpec> members = new ArrayList<>();
    for (int i = 0; i < CHORD_MEMBERS; i++) {
      members.add(TaskSpec.of("member", i).queue("chord"));
    }
    EnqueuedWorkflow w = errand.enqueue(Workflow.chord(Workflow.group(members),
        TaskSpec.of("callback", Json.NULL).queue("chord")));
    System.out.println("workflow " + w.id() + " " + w.nodes().get(Integer.toString(CHORD_MEMBERS)));
    System.out.flush();
    while (true) {
      List<Task> claimed = store.claim(new ClaimRequest("chord", 10, Duration.ofSeconds(2), "child")).tasks();
      store.completeMany(new CompleteRequest(claimed.stream().map(t -> new Completion(t.id(), t.lease().token(),
          new Completion.Succeeded(t.payload()))).toList()));
      StringBuilder lines = new StringBuilder();
      for (Task t : claimed) {
        lines.append("done ").append(t.id()).append('\n');
      }
      // Printed only now: every completion the parent reads was acknowledged as durable.
      System.out.print(lines);
      System.out.flush();
    }
  }

  private static void claimAll(Path directory) {
    SqliteStore store = SqliteStore.open(directory);
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      tasks.add(NewTasks.task("claimed").build());
    }
    store.insertMany(new InsertRequest(tasks));
    while (true) {
      List<Task> claimed = store.claim(new ClaimRequest("claimed", 10, Duration.ofHours(1), "child")).tasks();
      StringBuilder lines = new StringBuilder();
      for (Task t : claimed) {
        lines.append(t.id()).append(' ').append(t.lease().token()).append('\n');
      }
      // Printed only now: every claim the parent reads was answered.
      System.out.print(lines);
      System.out.flush();
    }
  }

  private static void hold(Path directory) throws IOException {
    try (SqliteStore store = SqliteStore.open(directory)) {
      store.ping();
      System.out.println("open");
      System.out.flush();
      while (System.in.read() >= 0) {
        // Hold the store until the parent closes our stdin or kills us.
      }
    }
  }
}
