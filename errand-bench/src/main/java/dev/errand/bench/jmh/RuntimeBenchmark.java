package dev.errand.bench.jmh;

import dev.errand.core.Errand;
import dev.errand.core.ErrandListener;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-process runtime's cost per task, its batch completer included, measured through the public API
 * on core's in-memory reference store so that no database sets the pace. Each operation is one task;
 * each invocation moves {@value #TASKS} tasks through a fresh store.
 *
 * <ul>
 *   <li>{@code runtime}: {@code enqueueMany}, then a started {@link Errand} (100 slots, claims of up to
 *       100) claims them, runs a no-op handler on virtual threads and completes them through its batch
 *       completer; the operation ends when the listener has heard every completion written.
 *   <li>{@code storeCallsOnly}: the same store calls made by hand on one thread (the same
 *       {@code enqueueMany}, claims of 100 and a {@code completeMany} of each claim), with no runtime.
 * </ul>
 *
 * The difference is what the runtime adds per task: dispatch, the handler's virtual thread, the
 * completer's buffering and hand-offs, the listener. The in-memory store scans its map on each claim,
 * so both include the same store work.
 *
 * <pre>./errand bench jmh RuntimeBenchmark</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(RuntimeBenchmark.TASKS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RuntimeBenchmark {
  static final int TASKS = 2_000;
  static final int CLAIM = 100;
  static final String TYPE = "noop";

  /** The same specs for every invocation: each runs on a fresh store, so the ids never clash. */
  @State(Scope.Benchmark)
  public static class Specs {
    final List<TaskSpec> specs = new ArrayList<>(TASKS);

    @Setup
    public void setUp() {
      Json payload = Json.parse("{\"to\":\"someone@example.com\"}");
      for (int i = 0; i < TASKS; i++) {
        specs.add(TaskSpec.builder(TYPE).id(TaskId.generate()).payload(payload).build());
      }
    }
  }

  /** A started Errand on an empty store, its workers idle until the operation enqueues. */
  @State(Scope.Thread)
  public static class Running {
    InMemoryTaskStore store;
    Errand errand;
    CountDownLatch written;

    @Setup(Level.Invocation)
    public void setUp() {
      store = new InMemoryTaskStore();
      CountDownLatch done = new CountDownLatch(TASKS);
      written = done;
      errand = Errand.builder().store(store).queue(TaskSpec.DEFAULT_QUEUE, CLAIM).maxClaimBatch(CLAIM)
          .shutdownGrace(Duration.ofSeconds(5))
          .listener(new ErrandListener() {
            @Override
            public void succeeded(Task task, Duration runTime) {
              done.countDown();
            }
          })
          .build();
      errand.handle(TYPE, Json.class, (task, payload) -> null);
      errand.start();
    }

    @TearDown(Level.Invocation)
    public void tearDown() {
      errand.stop();
      store.close();
    }
  }

  /** An empty store and a client that only enqueues. */
  @State(Scope.Thread)
  public static class Idle {
    InMemoryTaskStore store;
    Errand client;

    @Setup(Level.Invocation)
    public void setUp() {
      store = new InMemoryTaskStore();
      client = Errand.builder().store(store).build();
    }

    @TearDown(Level.Invocation)
    public void tearDown() {
      store.close();
    }
  }

  @Benchmark
  public void runtime(Specs specs, Running r) throws InterruptedException {
    r.errand.enqueueMany(specs.specs);
    if (!r.written.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(r.written.getCount() + " of " + TASKS + " completions never written");
    }
  }

  @Benchmark
  public int storeCallsOnly(Specs specs, Idle idle) {
    idle.client.enqueueMany(specs.specs);
    ClaimRequest claim = new ClaimRequest(TaskSpec.DEFAULT_QUEUE, CLAIM, Duration.ofSeconds(30), "bench");
    int done = 0;
    for (List<Task> tasks; !(tasks = idle.store.claim(claim).tasks()).isEmpty(); ) {
      List<Completion> completions = new ArrayList<>(tasks.size());
      for (Task t : tasks) {
        completions.add(new Completion(t.id(), t.lease().token(), new Completion.Succeeded(Json.NULL)));
      }
      done += tasks.size() - idle.store.completeMany(new CompleteRequest(completions)).stale().size();
    }
    if (done != TASKS) {
      throw new IllegalStateException("completed " + done + " of " + TASKS);
    }
    return done;
  }
}
