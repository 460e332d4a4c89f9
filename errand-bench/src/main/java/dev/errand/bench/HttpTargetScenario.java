package dev.errand.bench;

import com.sun.net.httpserver.HttpServer;
import dev.errand.core.Errand;
import dev.errand.core.ErrandListener;
import dev.errand.core.Task;
import dev.errand.core.RetryPolicy;
import dev.errand.core.TaskContext;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.spi.Completion;
import dev.errand.httptarget.HttpTarget;
import dev.errand.httptarget.HttpTargetExecutor;
import dev.errand.httptarget.TargetPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code http-target}: N target tasks enqueued in bulk, each a POST to a local no-op endpoint (the JDK's
 * HTTP server on loopback, opened by the allow-list), then the workers start; tasks per second from the
 * start to the last durable success. In the same run {@code wrk} drives the same endpoint with as many
 * connections as worker slots for as long as the drain took: its requests per second are the machine's
 * ceiling, and {@code ratio} is tasks per second over it. Then, for as long again each, the same slots
 * without the store or the task runtime: the target executor alone ({@code executor_requests_per_s}) and
 * a bare HTTP/1.1 exchange over a plain socket ({@code bare_requests_per_s}), each also as a ratio to
 * wrk's rate. Checked: every task called its endpoint exactly once and succeeded, and every call of the
 * executor alone succeeded. Without {@code wrk} on the PATH the ceiling and ratios are left out.
 *
 * <pre>
 * ./errand bench http-target --store sqlite: --concurrency 64 --runs 5
 * </pre>
 */
final class HttpTargetScenario extends FreshStoreScenario {
  private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");

  HttpTargetScenario() {
    // 100,000 as the drain's: runs of 20,000 (a drain of 1 – 2 s) measured the pool's connections being
    // opened and the first calls' warm-up, about a third below the steady rate (bench/README.md)
    super("http-target", 100_000);
  }

  @Override
  List<Measurement> measure(FreshStore fresh, BenchSettings s) throws Exception {
    AtomicIntegerArray hits = new AtomicIntegerArray(s.n());
    HttpServer endpoint = endpoint(hits);
    try {
      String origin = "http://127.0.0.1:" + endpoint.getAddress().getPort();
      String base = origin + "/noop";
      CountDownLatch done = new CountDownLatch(s.n());
      AtomicLong lastSuccess = new AtomicLong();
      ErrandListener counting = new ErrandListener() {
        @Override
        public void succeeded(Task task, Duration runTime) {
          lastSuccess.set(System.nanoTime());
          done.countDown();
        }
      };
      HttpTargetExecutor executor = HttpTargetExecutor.builder().policy(TargetPolicy.allowing(List.of("127.0.0.1")))
          .maxIdleConnections(s.concurrency()).build();
      try (Errand errand = Errand.builder().store(fresh.store()).queue(HttpTarget.DEFAULT_QUEUE, s.concurrency())
          .maxClaimBatch(s.claimBatch()).executor(HttpTarget.KIND, executor).listener(counting).build()) {
        for (int from = 0; from < s.n(); from += s.batch()) {
          List<TaskSpec> specs = new ArrayList<>();
          for (int i = from; i < Math.min(s.n(), from + s.batch()); i++) {
            specs.add(HttpTarget.post(base + "?i=" + i).body("{}").build().spec());
          }
          errand.enqueueMany(specs);
        }
        long start = System.nanoTime();
        CpuUse cpu = CpuUse.start();
        errand.start();
        if (!done.await(s.timeout().toSeconds(), TimeUnit.SECONDS)) {
          throw new CorrectnessException("http-target: " + done.getCount() + " of " + s.n() + " tasks not done in " + s.timeout());
        }
        long nanos = lastSuccess.get() - start;
        Map<String, Double> m = new LinkedHashMap<>();
        cpu.put(m, s.n()); // the endpoint's share included: it runs in this process
        for (int i = 0; i < s.n(); i++) {
          if (hits.get(i) != 1) {
            throw new CorrectnessException("http-target: task " + i + " called its endpoint " + hits.get(i) + " times");
          }
        }
        double tasksPerSecond = Stats.perSecond(s.n(), nanos);
        m.put("tasks_per_s", tasksPerSecond);
        m.put("drain_s", nanos / 1e9);
        int seconds = Math.max(2, (int) Math.ceil(nanos / 1e9));
        long endpointCpu = CpuUse.processNanos();
        Double ceiling = wrk(base + "?i=-1", s.concurrency(), seconds);
        endpointCpu = CpuUse.processNanos() - endpointCpu;
        if (ceiling != null) {
          m.put("wrk_requests_per_s", ceiling);
          m.put("ratio", tasksPerSecond / ceiling);
          // What one request costs the endpoint (this process is idle but for it while wrk runs): the
          // part of cpu_us_per_task that is not Errand's or its HTTP client's.
          m.put("endpoint_cpu_us_per_request", endpointCpu / 1000.0 / (ceiling * seconds));
        }
        // The same slots without the store or the task runtime, for as long: the target executor alone
        // (its HTTP client, the policy's checks, the result), then a bare HTTP/1.1 exchange over a plain
        // socket. What a task system reaches with this executor, and with the cheapest client a virtual
        // thread can drive (bench/README.md, "Issue 15: HTTP targets, the client alone and a bare socket in
        // its place").
        double executorRate = closedLoop(s.concurrency(), seconds, executorAlone(executor, base + "?i=-1"));
        double bareRate;
        try (BareExchange bare = new BareExchange(origin)) {
          bareRate = closedLoop(s.concurrency(), seconds, bare);
        }
        m.put("executor_requests_per_s", executorRate);
        m.put("bare_requests_per_s", bareRate);
        if (ceiling != null) {
          m.put("executor_ratio", executorRate / ceiling);
          m.put("bare_ratio", bareRate / ceiling);
        }
        return List.of(new Measurement(name(), "noop-endpoint", s.n(), m));
      }
    } finally {
      endpoint.stop(0);
    }
  }

  /**
   * One call of {@code executor} on a RUNNING target task that POSTs "{}" to {@code url}, as a claim
   * would hand it over; any outcome but success fails the run.
   */
  static Callable<Void> executorAlone(HttpTargetExecutor executor, String url) {
    TaskSpec spec = HttpTarget.post(url).body("{}").build().spec();
    Instant now = Instant.now();
    Task probe = new Task(TaskId.generate(), HttpTarget.DEFAULT_QUEUE, spec.type(), spec.payload(), 0, TaskState.RUNNING,
        1, RetryPolicy.DEFAULT, Duration.ofMinutes(5), null, now, now, now, null, null, null, null, HttpTarget.KIND,
        Map.of(), null, null);
    ProbeContext context = new ProbeContext(probe);
    return () -> {
      Completion.Outcome outcome = executor.execute(context);
      if (!(outcome instanceof Completion.Succeeded)) {
        throw new CorrectnessException("http-target: the executor alone ended a call with " + outcome);
      }
      return null;
    };
  }

  /**
   * Calls/s of {@code call} made back to back on {@code threads} virtual threads, counted over
   * {@code seconds} after half a second of warm-up; the first failure fails the run.
   */
  static double closedLoop(int threads, int seconds, Callable<?> call) throws Exception {
    AtomicLong calls = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      running.add(Thread.ofVirtual().start(() -> {
        try {
          while (!stop.get()) {
            call.call();
            calls.incrementAndGet();
          }
        } catch (Exception e) {
          failure.compareAndSet(null, e);
          stop.set(true);
        }
      }));
    }
    Thread.sleep(500);
    long from = calls.get();
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    double rate = Stats.perSecond(calls.get() - from, System.nanoTime() - start);
    stop.set(true);
    for (Thread t : running) {
      t.join();
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    return rate;
  }

  /** The context the executor alone runs in: the task and nothing else a target uses. */
  private record ProbeContext(Task task) implements TaskContext {
    @Override
    public TaskId enqueueOnSuccess(TaskSpec spec) {
      throw new UnsupportedOperationException("a probe enqueues nothing");
    }

    @Override
    public java.sql.Connection connection() {
      throw new UnsupportedOperationException("a probe has no transaction");
    }
  }

  /** A POST of "{}" on one plain-socket connection per virtual thread (HttpConnection), made lazily. */
  private static final class BareExchange implements Callable<Void>, AutoCloseable {
    private static final byte[] BODY = "{}".getBytes(StandardCharsets.UTF_8);
    private final Queue<HttpConnection> opened = new ConcurrentLinkedQueue<>();
    private final ThreadLocal<HttpConnection> connection;

    BareExchange(String origin) {
      this.connection = ThreadLocal.withInitial(() -> {
        HttpConnection c = new HttpConnection(origin, "/noop?i=-1", Duration.ofSeconds(30));
        opened.add(c);
        return c;
      });
    }

    @Override
    public void close() {
      opened.forEach(HttpConnection::close);
    }

    @Override
    public Void call() throws IOException {
      HttpConnection.Response r = connection.get().post(BODY, BODY.length);
      if (r.status() != 200) {
        throw new CorrectnessException("http-target: the bare exchange got status " + r.status());
      }
      return null;
    }
  }

  /** A no-op endpoint that counts the calls of each task by its {@code i}; {@code i=-1} (wrk) is not counted. */
  private static HttpServer endpoint(AtomicIntegerArray hits) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
    server.createContext("/noop", x -> {
      try (x) {
        x.getRequestBody().readAllBytes();
        String query = x.getRequestURI().getRawQuery();
        int i = query != null && query.startsWith("i=") ? Integer.parseInt(query.substring(2)) : -1;
        if (i >= 0) {
          hits.incrementAndGet(i);
        }
        x.sendResponseHeaders(200, ok.length);
        x.getResponseBody().write(ok);
      }
    });
    server.start();
    return server;
  }

  /** wrk's requests per second against {@code url}, or null when wrk is not installed. */
  static Double wrk(String url, int connections, int seconds) throws IOException, InterruptedException {
    // The same request the tasks send: a POST of "{}" as text/plain.
    Path script = Files.createTempFile("errand-wrk", ".lua");
    Files.writeString(script, "wrk.method = \"POST\"\nwrk.body = \"{}\"\nwrk.headers[\"Content-Type\"] = \"text/plain; charset=utf-8\"\n");
    Process p;
    try {
      p = new ProcessBuilder("wrk", "-t2", "-c" + Math.max(2, connections), "-d" + seconds + "s", "-s", script.toString(), url)
          .redirectErrorStream(true).start();
    } catch (IOException e) {
      System.err.println("bench: wrk is not installed (apt-get install -y wrk): no ceiling measured");
      Files.delete(script);
      return null;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    Files.delete(script);
    Matcher m = RPS.matcher(out);
    if (!m.find()) {
      throw new IOException("wrk printed no Requests/sec: " + out);
    }
    return Double.parseDouble(m.group(1));
  }
}
