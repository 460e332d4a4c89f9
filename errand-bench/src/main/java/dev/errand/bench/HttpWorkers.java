package dev.errand.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The remote workers of {@code server-drain}: a JVM of its own that drains the server's default queue
 * through the HTTP worker protocol, as workers in other languages do. {@code concurrency} virtual
 * threads each claim up to {@code claimMax} tasks ({@code POST /v1/queues/default/claim}, a long poll)
 * and complete them, all of one claim with one {@code POST /v1/tasks:complete} if {@code COMPLETE_BATCH}
 * is true, else one by one ({@code POST /v1/tasks/{id}/complete}), each with its lease token, until
 * {@code n} tasks are complete, a call fails, or {@code timeoutSeconds} pass. It then claims once more
 * without waiting, to see that nothing is left, and prints one JSON line: tasks completed, ids claimed
 * twice, ids it never enqueued, ids never claimed, tasks left over, failed calls with the first, and the
 * nanoseconds from the first claim to the last completion.
 *
 * <p>Task ids are {@code PREFIX-i} for i in 0..n-1, as {@link LoadGenerator} enqueued them, so each
 * claim is checked against exactly the tasks that must exist.
 *
 * <pre>java -cp errand-bench.jar dev.errand.bench.HttpWorkers BASE_URL N CONCURRENCY CLAIM_MAX PREFIX TIMEOUT_S COMPLETE_BATCH</pre>
 */
public final class HttpWorkers {
  /** Longer than any run: a lease that expired mid-run would hand a task out twice and fail the check. */
  private static final int LEASE_SECONDS = 3600;

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final String base;
  private final int n;
  private final int claimMax;
  private final String prefix;
  private final boolean completeBatch;
  private final long deadlineNanos;
  private final AtomicIntegerArray claimed;
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong unknown = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong lastCompletionNanos = new AtomicLong();
  private final AtomicReference<String> firstError = new AtomicReference<>();

  private HttpWorkers(String base, int n, int claimMax, String prefix, Duration timeout, boolean completeBatch) {
    this.base = base;
    this.n = n;
    this.claimMax = claimMax;
    this.prefix = prefix + "-";
    this.completeBatch = completeBatch;
    this.deadlineNanos = System.nanoTime() + timeout.toNanos();
    this.claimed = new AtomicIntegerArray(n);
  }

  public static void main(String[] args) throws Exception {
    HttpWorkers w = new HttpWorkers(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[3]), args[4],
        Duration.ofSeconds(Long.parseLong(args[5])), Boolean.parseBoolean(args[6]));
    int concurrency = Integer.parseInt(args[2]);
    long start = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < concurrency; t++) {
      String workerId = "bench-worker-" + t;
      threads.add(Thread.ofVirtual().start(() -> w.work(workerId)));
    }
    for (Thread t : threads) {
      t.join();
    }
    long nanos = w.lastCompletionNanos.get() - start;
    // Every task is complete: a claim now must find nothing, or the server handed out a task twice or
    // held one the bench never enqueued.
    int leftover = w.errors.get() == 0 ? w.claim("bench-check", 0).size() : -1;
    int duplicates = 0;
    int missing = 0;
    for (int i = 0; i < w.n; i++) {
      int times = w.claimed.get(i);
      if (times == 0) {
        missing++;
      } else if (times > 1) {
        duplicates++;
      }
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("completed", w.completed.get());
    line.put("duplicates", duplicates);
    line.put("unknown", w.unknown.get());
    line.put("missing", missing);
    line.put("leftover", leftover);
    line.put("errors", w.errors.get());
    line.put("first_error", w.firstError.get());
    line.put("nanos", nanos);
    System.out.println(Json.DEFAULT_MAPPER.writeValueAsString(line));
  }

  private void work(String workerId) {
    while (completed.get() < n && errors.get() == 0 && System.nanoTime() < deadlineNanos) {
      List<JsonNode> tasks = claim(workerId, 1);
      for (JsonNode task : tasks) {
        record(task.path("id").asText());
      }
      if (completeBatch) {
        completed(completeAll(tasks));
        continue;
      }
      for (JsonNode task : tasks) {
        if (complete(task.path("id").asText(), task.path("leaseToken").asText())) {
          completed(1);
        }
      }
    }
  }

  private void completed(int tasks) {
    if (tasks > 0) {
      lastCompletionNanos.accumulateAndGet(System.nanoTime(), Math::max);
      completed.addAndGet(tasks);
    }
  }

  /** Completes {@code tasks} with one call; returns how many the server completed (a refused one is a failure). */
  private int completeAll(List<JsonNode> tasks) {
    if (tasks.isEmpty()) {
      return 0;
    }
    try {
      StringBuilder body = new StringBuilder("{\"completions\":[");
      for (int i = 0; i < tasks.size(); i++) {
        JsonNode task = tasks.get(i);
        body.append(i == 0 ? "{\"id\":" : ",{\"id\":")
            .append(Json.DEFAULT_MAPPER.writeValueAsString(task.path("id").asText()))
            .append(",\"leaseToken\":").append(Json.DEFAULT_MAPPER.writeValueAsString(task.path("leaseToken").asText()))
            .append('}');
      }
      body.append("]}");
      HttpResponse<String> r = client.send(post("/v1/tasks:complete", body.toString()), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        fail("complete of " + tasks.size() + ": HTTP " + r.statusCode() + ": " + r.body());
        return 0;
      }
      int done = 0;
      for (JsonNode result : Json.DEFAULT_MAPPER.readTree(r.body()).path("results")) {
        if (result.path("status").asText().equals("completed")) {
          done++;
        } else {
          fail("complete " + result.path("id").asText() + ": " + result.path("status").asText());
        }
      }
      return done;
    } catch (Exception e) {
      fail("complete of " + tasks.size() + ": " + e);
      return 0;
    }
  }

  /** Claims up to {@link #claimMax} tasks, waiting up to {@code waitSeconds}; none after a failure. */
  private List<JsonNode> claim(String workerId, int waitSeconds) {
    String body = "{\"workerId\":\"" + workerId + "\",\"max\":" + claimMax + ",\"leaseSeconds\":" + LEASE_SECONDS
        + ",\"waitSeconds\":" + waitSeconds + "}";
    try {
      HttpResponse<String> r = client.send(post("/v1/queues/default/claim", body), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        fail("claim: HTTP " + r.statusCode() + ": " + r.body());
        return List.of();
      }
      List<JsonNode> tasks = new ArrayList<>();
      Json.DEFAULT_MAPPER.readTree(r.body()).path("tasks").forEach(tasks::add);
      return tasks;
    } catch (Exception e) {
      fail("claim: " + e);
      return List.of();
    }
  }

  private boolean complete(String id, String leaseToken) {
    try {
      HttpResponse<String> r = client.send(post("/v1/tasks/" + id + "/complete",
          "{\"leaseToken\":" + Json.DEFAULT_MAPPER.writeValueAsString(leaseToken) + "}"), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 204) {
        fail("complete " + id + ": HTTP " + r.statusCode() + ": " + r.body());
        return false;
      }
      return true;
    } catch (Exception e) {
      fail("complete " + id + ": " + e);
      return false;
    }
  }

  private void record(String id) {
    int i = -1;
    if (id.startsWith(prefix)) {
      try {
        i = Integer.parseInt(id.substring(prefix.length()));
      } catch (NumberFormatException notOurs) {
        // counted as unknown below
      }
    }
    if (i >= 0 && i < n) {
      claimed.incrementAndGet(i);
    } else {
      unknown.incrementAndGet();
    }
  }

  private HttpRequest post(String path, String body) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private void fail(String why) {
    errors.incrementAndGet();
    firstError.compareAndSet(null, why.length() > 300 ? why.substring(0, 300) : why);
  }
}
