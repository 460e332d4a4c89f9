package dev.errand.bench;

import dev.errand.core.Errand;
import dev.errand.core.ErrandListener;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskSpec;
import dev.errand.core.workflow.EnqueuedWorkflow;
import dev.errand.core.workflow.Workflow;
import dev.errand.core.workflow.WorkflowInfo;
import dev.errand.core.workflow.WorkflowState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code workflow}: in one run, on a fresh store each, N independent tasks, then the same N as chords of
 * 1,000 (each with a callback that reads its 1,000 parents), then as chains of 100; everything enqueued
 * before the workers start, tasks per second from the first claim to the last success. The chord and
 * chain variants report their cost per task against the independent drain of the same run
 * ({@code overhead_vs_independent}: 1.2 means 20% more time per task). Checked: every workflow SUCCEEDED,
 * each chord's callback ran once and saw 1,000 parents, every task ran.
 *
 * <pre>errand bench workflow --store sqlite: --store 'postgres://localhost/errand?schema=bench_wf' --n 10000
 * errand bench workflow --store 'redis://127.0.0.1:6379/0?durability=relaxed' --n 20000</pre>
 */
final class WorkflowScenario implements Scenario {
  static final int CHORD = 1_000;
  static final int CHAIN = 100;
  private static final String TYPE = "bench_wf";
  private static final String CALLBACK = "bench_wf_callback";

  @Override
  public String name() {
    return "workflow";
  }

  @Override
  public int defaultN() {
    return 10_000;
  }

  @Override
  public List<Measurement> run(StoreTarget target, BenchSettings s) throws Exception {
    Drained independent = drain(target, s, "independent", 0);
    Drained chord = drain(target, s, "chord", Math.min(CHORD, s.n()));
    Drained chain = drain(target, s, "chain", Math.min(CHAIN, s.n()));
    return List.of(measurement("independent", s.n(), independent, independent),
        measurement("chord-" + Math.min(CHORD, s.n()), s.n(), chord, independent),
        measurement("chain-" + Math.min(CHAIN, s.n()), s.n(), chain, independent));
  }

  private Measurement measurement(String variant, int n, Drained drained, Drained independent) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("tasks_per_s", 1e9 / drained.perTaskNanos());
    m.put("per_task_us", drained.perTaskNanos() / 1e3);
    m.put("overhead_vs_independent", drained.perTaskNanos() / independent.perTaskNanos());
    m.putAll(drained.cpu());
    Double cpu = drained.cpu().get("cpu_us_per_task");
    Double independentCpu = independent.cpu().get("cpu_us_per_task");
    if (cpu != null && independentCpu != null) {
      m.put("cpu_overhead_vs_independent", cpu / independentCpu);
    }
    return new Measurement(name(), variant, n, m);
  }

  /** Nanoseconds per task, and this process's CPU per task ({@link CpuUse}) over the drain. */
  private record Drained(double perTaskNanos, Map<String, Double> cpu) {}

  /**
   * Drains N tasks shaped as {@code shape} (groups of {@code size}) on a fresh store; returns the
   * time per task, callbacks counted as tasks, and the CPU per task from the workers' start to the last
   * success (a store server's CPU is not in it).
   */
  private Drained drain(StoreTarget target, BenchSettings s, String shape, int size) throws Exception {
    try (FreshStore fresh = target.openFresh()) {
      AtomicInteger succeeded = new AtomicInteger();
      AtomicLong firstClaim = new AtomicLong();
      AtomicLong lastSuccess = new AtomicLong();
      AtomicInteger callbacks = new AtomicInteger();
      AtomicInteger badCallbacks = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(1);
      int workflows = shape.equals("independent") ? 0 : (s.n() + size - 1) / size;
      int total = s.n() + (shape.equals("chord") ? workflows : 0);
      Errand errand = Errand.builder().store(fresh.store()).queue(TaskSpec.DEFAULT_QUEUE, s.concurrency())
          .maxClaimBatch(s.claimBatch()).shutdownGrace(Duration.ofSeconds(5))
          .listener(new ErrandListener() {
            @Override
            public void claimed(Task task) {
              firstClaim.compareAndSet(0, System.nanoTime());
            }

            @Override
            public void succeeded(Task task, Duration runTime) {
              lastSuccess.set(System.nanoTime());
              if (succeeded.incrementAndGet() == total) {
                done.countDown();
              }
            }
          }).build();
      errand.handle(TYPE, Json.class, (task, payload) -> null);
      errand.handle(CALLBACK, Json.class, (task, payload) -> {
        callbacks.incrementAndGet();
        if (task.parents().size() != size) {
          badCallbacks.incrementAndGet();
        }
        return null;
      });
      Json payload = Payloads.ofSize(s.payloadBytes());
      List<EnqueuedWorkflow> enqueued = new ArrayList<>();
      if (workflows == 0) {
        for (int i = 0; i < s.n(); i += s.batch()) {
          List<TaskSpec> batch = new ArrayList<>();
          for (int j = i; j < Math.min(s.n(), i + s.batch()); j++) {
            batch.add(TaskSpec.of(TYPE, payload));
          }
          errand.enqueueMany(batch);
        }
      } else {
        for (int w = 0; w < workflows; w++) {
          List<TaskSpec> steps = new ArrayList<>();
          for (int j = w * size; j < Math.min(s.n(), (w + 1) * size); j++) {
            steps.add(TaskSpec.of(TYPE, payload));
          }
          enqueued.add(errand.enqueue(shape.equals("chord")
              ? Workflow.chord(Workflow.group(steps), TaskSpec.of(CALLBACK, Json.NULL))
              : Workflow.chain(steps.toArray(TaskSpec[]::new))));
        }
      }
      CpuUse cpuUse = CpuUse.start();
      Map<String, Double> cpu = new LinkedHashMap<>();
      errand.start();
      try {
        if (!done.await(s.timeout().toNanos(), TimeUnit.NANOSECONDS)) {
          throw new CorrectnessException("only " + succeeded.get() + " of " + total + " " + shape
              + " tasks succeeded within " + s.timeout());
        }
        cpuUse.put(cpu, total);
      } finally {
        errand.stop();
      }
      if (shape.equals("chord") && (callbacks.get() != workflows || badCallbacks.get() != 0)) {
        throw new CorrectnessException(callbacks.get() + " callbacks ran for " + workflows + " chords, "
            + badCallbacks.get() + " of them without all their parents");
      }
      for (EnqueuedWorkflow w : enqueued) {
        WorkflowState state = errand.workflow(w.id()).map(WorkflowInfo::state).orElse(null);
        if (state != WorkflowState.SUCCEEDED) {
          throw new CorrectnessException("workflow " + w.id() + " ended " + state);
        }
      }
      if (succeeded.get() != total) {
        throw new CorrectnessException(succeeded.get() + " successes for " + total + " tasks");
      }
      return new Drained((double) (lastSuccess.get() - firstClaim.get()) / total, cpu);
    }
  }
}
