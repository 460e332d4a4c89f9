package dev.errand.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.Enqueued;
import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.TaskStoreProvider;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code enqueue}: how fast tasks go in, with no workers running. Variants, each on its own fresh store:
 * {@code java-single} ({@code --concurrency} threads each calling {@code enqueue} once per task) and
 * {@code java-batch} (the same threads calling {@code enqueueMany} with {@code --batch} tasks). Every
 * returned task must be newly created with the id the bench chose, and the store must hold exactly N
 * READY tasks afterwards.
 *
 * <p>With a server jar, also {@code http-single} ({@code POST /v1/tasks}) and {@code http-batch}
 * ({@code POST /v1/tasks:batch} with {@code --batch} tasks): the server runs as a child process on the
 * fresh store, and a second child JVM ({@link LoadGenerator}) sends the load with {@code --concurrency}
 * connections, warm-up first, and times it. The check: the server reported every task created and none
 * failed, and after the server stopped the store holds exactly the warm-up plus N tasks, READY.
 */
final class EnqueueScenario implements Scenario {
  @Override
  public String name() {
    return "enqueue";
  }

  @Override
  public int defaultN() {
    return 50_000;
  }

  @Override
  public List<Measurement> run(StoreTarget target, BenchSettings s) throws Exception {
    List<Measurement> out = new ArrayList<>();
    out.add(javaApi(target, s, false));
    out.add(javaApi(target, s, true));
    if (s.serverJar() != null) {
      out.add(http(target, s, false));
      out.add(http(target, s, true));
    }
    return out;
  }

  private Measurement javaApi(StoreTarget target, BenchSettings s, boolean batched) throws Exception {
    try (FreshStore fresh = target.openFresh()) {
      Ledger ledger = Ledger.ofFreshIds(s.n());
      Errand client = Errand.builder().store(fresh.store()).build();
      Json payload = Payloads.ofSize(s.payloadBytes());
      int step = batched ? s.batch() : 1;
      int chunks = (s.n() + step - 1) / step;
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Thread> threads = new ArrayList<>();
      long start = System.nanoTime();
      for (int t = 0; t < s.concurrency(); t++) {
        int first = t;
        threads.add(Thread.ofVirtual().start(() -> {
          try {
            // Thread t takes chunks t, t + C, t + 2C, ...: all threads stay busy to the end.
            for (int c = first; c < chunks; c += s.concurrency()) {
              int from = c * step;
              int to = Math.min(s.n(), from + step);
              List<TaskSpec> specs = new ArrayList<>(to - from);
              for (int i = from; i < to; i++) {
                specs.add(TaskSpec.builder(CountingWorkers.TYPE).id(ledger.id(i)).payload(payload).build());
              }
              List<Enqueued> results = batched ? client.enqueueMany(specs) : List.of(client.enqueue(specs.get(0)));
              for (Enqueued e : results) {
                if (!e.created()) {
                  throw new CorrectnessException("task " + e.task().id() + " was not created");
                }
                ledger.record(e.task().id());
              }
            }
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
        }));
      }
      for (Thread t : threads) {
        t.join();
      }
      long nanos = System.nanoTime() - start;
      if (failure.get() instanceof CorrectnessException c) {
        throw c;
      }
      if (failure.get() != null) {
        throw new IllegalStateException("an enqueue failed", failure.get());
      }
      ledger.verify("READY", StoreCounts.count(fresh.store(), CountingWorkers.QUEUE, TaskState.READY));
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("tasks_per_s", Stats.perSecond(s.n(), nanos));
      m.put("calls_per_s", Stats.perSecond(chunks, nanos));
      return new Measurement(name(), batched ? "java-batch" : "java-single", s.n(), m);
    }
  }

  private Measurement http(StoreTarget target, BenchSettings s, boolean batched) throws Exception {
    int perRequest = batched ? s.batch() : 1;
    // Long enough for the server's hot paths to be compiled before the timed part: with a 2,000-request
    // warm-up, the timed single enqueues still paid for compilation (about 180 µs of server CPU each
    // against 90-140 µs once warm).
    int warmup = Math.min(s.n(), batched ? 20 * s.batch() : 20_000);
    String prefix = "bench" + Long.toHexString(System.nanoTime());
    try (StoreTarget.FreshLocation location = target.freshLocation()) {
      JsonNode result;
      try (ServerProcess server = ServerProcess.start(s.serverJar(), s.serverJvmOptions(), location.url())) {
        result = LoadGenerator.run(server.baseUrl(), s.n(), s.concurrency(), perRequest, s.payloadBytes(), prefix, warmup, server.pid());
      }
      LoadGenerator.checkCreated(result, s.n());
      try (TaskStore store = TaskStoreProvider.openUrl(location.url())) {
        long ready = StoreCounts.count(store, CountingWorkers.QUEUE, TaskState.READY);
        long total = StoreCounts.total(store, CountingWorkers.QUEUE);
        if (ready != s.n() + warmup || total != ready) {
          throw new CorrectnessException("after the HTTP run the store holds " + ready + " READY of " + total
              + " tasks, expected " + (s.n() + warmup));
        }
      }
      long nanos = result.path("nanos").asLong();
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("tasks_per_s", Stats.perSecond(s.n(), nanos));
      long requests = (s.n() + perRequest - 1) / perRequest;
      m.put("requests_per_s", Stats.perSecond(requests, nanos));
      // CPU per request on each side of the connection: steadier than requests/s on a shared machine,
      // and the client's share says how much of the 2 cores the measuring took from the server.
      m.put("client_cpu_us_per_request", result.path("cpu_nanos").asLong() / 1000.0 / requests);
      m.put("server_cpu_us_per_request", result.path("server_cpu_nanos").asLong() / 1000.0 / requests);
      return new Measurement(name(), batched ? "http-batch" : "http-single", s.n(), m);
    }
  }
}
