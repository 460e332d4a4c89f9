package dev.errand.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The load-generating process of the HTTP enqueue variants: a JVM of its own, so the client's work does
 * not share the server's process. It sends a warm-up, then {@code n} tasks, one per request
 * ({@code POST /v1/tasks}) or {@code batch} per request ({@code POST /v1/tasks:batch}), from
 * {@code concurrency} keep-alive connections, each on its own thread with one request in flight
 * ({@link HttpConnection}: plain sockets, so the client costs about what an efficient real one does on
 * the machine it shares with the server), and prints one JSON line: how many
 * tasks the server reported created, existing or failed, the nanoseconds the timed part took, and the
 * CPU time this process and the server's (given its process id, else -1) used over that part.
 * Task ids are {@code PREFIX-i} (warm-up {@code PREFIX-wi}), so the parent knows exactly which tasks
 * must exist; every answer is checked to be about the task sent, in order, and a task answered with
 * another id counts as failed.
 *
 * <pre>java -cp errand-bench.jar dev.errand.bench.LoadGenerator BASE_URL N CONCURRENCY BATCH PAYLOAD_BYTES PREFIX WARMUP SERVER_PID</pre>
 */
public final class LoadGenerator {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final String base;
  private final int concurrency;
  private final int batch;
  private final String payload;
  private final AtomicLong created = new AtomicLong();
  private final AtomicLong existing = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicReference<String> firstError = new AtomicReference<>();

  private LoadGenerator(String base, int concurrency, int batch, int payloadBytes) {
    this.base = base;
    this.concurrency = concurrency;
    this.batch = batch;
    this.payload = Payloads.ofSize(payloadBytes).asString();
  }

  /** Runs a load generator in a JVM of its own against {@code baseUrl} and returns its JSON line. */
  static JsonNode run(String baseUrl, int n, int concurrency, int batch,
      int payloadBytes, String prefix, int warmup, long serverPid) throws Exception {
    return ChildJvm.run(LoadGenerator.class, baseUrl, Integer.toString(n), Integer.toString(concurrency),
        Integer.toString(batch), Integer.toString(payloadBytes), prefix, Integer.toString(warmup),
        Long.toString(serverPid));
  }

  /** Throws unless {@code result} says the server created all {@code n} timed tasks and refused none. */
  static void checkCreated(JsonNode result, int n) {
    long created = result.path("created").asLong();
    long existing = result.path("existing").asLong();
    long errors = result.path("errors").asLong();
    if (errors > 0 || created != n || existing != 0) {
      throw new CorrectnessException("over HTTP the server created " + created + " of " + n + " tasks, "
          + existing + " existed already, " + errors + " failed (first: " + result.path("first_error").asText() + ")");
    }
  }

  public static void main(String[] args) throws Exception {
    LoadGenerator g = new LoadGenerator(args[0], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
        Integer.parseInt(args[4]));
    int n = Integer.parseInt(args[1]);
    String prefix = args[5];
    int warmup = Integer.parseInt(args[6]);
    long serverPid = Long.parseLong(args[7]);
    g.send(prefix + "-w", warmup);
    g.created.set(0);
    g.existing.set(0);
    long serverCpuStart = serverPid > 0 ? ProcStatus.read(serverPid).cpuNanos() : 0;
    long cpuStart = CpuUse.processNanos();
    long start = System.nanoTime();
    g.send(prefix + "-", n);
    long nanos = System.nanoTime() - start;
    long cpuNanos = CpuUse.processNanos() - cpuStart;
    long serverCpuNanos = serverPid > 0 ? ProcStatus.read(serverPid).cpuNanos() - serverCpuStart : -1;
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("created", g.created.get());
    line.put("existing", g.existing.get());
    line.put("errors", g.errors.get());
    line.put("first_error", g.firstError.get());
    line.put("nanos", nanos);
    line.put("cpu_nanos", cpuNanos);
    line.put("server_cpu_nanos", serverCpuNanos);
    System.out.println(dev.errand.core.Json.DEFAULT_MAPPER.writeValueAsString(line));
  }

  /** Sends tasks {@code prefix0 .. prefix(n-1)}; thread t sends chunks t, t + C, ... so all stay busy. */
  private void send(String prefix, int n) throws InterruptedException {
    int chunks = (n + batch - 1) / batch;
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < concurrency; t++) {
      int first = t;
      // A platform thread per connection, as a blocking client has: no scheduler between the socket
      // and the thread, which virtual threads add to every read.
      threads.add(Thread.ofPlatform().name("load-" + t).start(() -> {
        try (HttpConnection connection = new HttpConnection(base, batch == 1 ? "/v1/tasks" : "/v1/tasks:batch",
            TIMEOUT)) {
          RequestBody body = new RequestBody(batch == 1 ? 128 : 128 * batch);
          int c = first;
          try {
            for (; c < chunks; c += concurrency) {
              int from = c * batch;
              int to = Math.min(n, from + batch);
              post(connection, body, prefix, from, to);
            }
          } catch (RuntimeException e) { // a bug here must fail the run, not shrink it
            for (; c < chunks; c += concurrency) {
              fail(Math.min(n, (c + 1) * batch) - c * batch, e.toString());
            }
          }
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  private void post(HttpConnection connection, RequestBody body, String prefix, int from, int to) {
    body.reset();
    if (batch == 1) {
      task(body, prefix, from);
    } else {
      body.append("{\"tasks\":[");
      for (int i = from; i < to; i++) {
        if (i > from) {
          body.append(',');
        }
        task(body, prefix, i);
      }
      body.append("]}");
    }
    HttpConnection.Response response;
    try {
      response = connection.post(body.bytes(), body.length());
    } catch (IOException e) {
      fail(to - from, e.toString());
      return;
    }
    try {
      int status = response.status();
      if (batch == 1 && (status == 201 || status == 200)) {
        String id = EnqueueAnswers.taskId(response.body());
        if (!(prefix + from).equals(id)) {
          fail(1, "HTTP " + status + " for task " + prefix + from + " answered task " + id);
        } else if (status == 201) {
          created.incrementAndGet();
        } else {
          existing.incrementAndGet();
        }
      } else if (batch > 1 && (status == 201 || status == 200)) {
        EnqueueAnswers.Batch answer = EnqueueAnswers.batch(response.body(), prefix, from, to);
        created.addAndGet(answer.created());
        existing.addAndGet(answer.existing());
        if (answer.failed() > 0) {
          fail(answer.failed(), answer.firstFailure());
        }
      } else {
        fail(to - from, "HTTP " + status + ": " + response.bodyText());
      }
    } catch (IOException | RuntimeException e) {
      fail(to - from, "HTTP " + response.status() + " with an unreadable answer (" + e + "): " + response.bodyText());
    }
  }

  private void task(RequestBody body, String prefix, int i) {
    body.append("{\"id\":\"").append(prefix).append(i).append("\",\"type\":\"").append(CountingWorkers.TYPE)
        .append("\",\"payload\":").append(payload).append('}');
  }

  private void fail(int tasks, String why) {
    errors.addAndGet(tasks);
    firstError.compareAndSet(null, why.length() > 300 ? why.substring(0, 300) : why);
  }
}
