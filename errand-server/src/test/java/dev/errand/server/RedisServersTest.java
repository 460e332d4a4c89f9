package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.store.redis.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three real {@code errand server} processes on one Redis of the test's own (skipped without
 * {@code redis-server}, failed under {@code CI=true}): HTTP workers of this JVM, spread over two of them,
 * compete for 5,000 tasks through the worker protocol (claim, heartbeat, complete), some abandoning their
 * leases so that the sweep gives the task again; all three carry the same per-second schedule and a
 * queue limit of 3 running.
 *
 * <p>What it requires: no task is given while a lease on it is held (each grant's start, on the store's
 * clock, is at or after the previous grant's last lease end; nothing is given after a success); the cap
 * of 3 is never exceeded across both servers (counted from the workers' side over the time each held a
 * task for sure, from the claim's answer to the completion's request, which lies inside the store's
 * lease); every task ends SUCCEEDED once; and the schedule's ticks are each enqueued once, none missed.
 */
class RedisServersTest {
  private static final int FREE_TASKS = 4_000;
  private static final int CAPPED_TASKS = 1_000;
  private static final int CAP = 3;
  private static final int WORKERS_PER_SERVER = 4;
  /** Leases on the free queue: short, so that abandoned tasks come back within the test. */
  private static final int FREE_LEASE_SECONDS = 3;
  private static final int MAX_ABANDONED = 40;

  private final List<CommandProcess> servers = new ArrayList<>();
  private RedisServer redis;
  private Path dir;

  /** One lease as a worker got it: store-clock start and (last known) end, and its fate. */
  static final class Grant {
    final String id;
    final String queue;
    final String worker;
    final String token;
    final Instant startedAt;
    volatile Instant leaseUntil;
    /** The worker's clock: the claim's answer and the completion's request (Long.MAX_VALUE if never sent). */
    final long heldFromNanos;
    volatile long heldToNanos = Long.MAX_VALUE;
    volatile int completeStatus;

    Grant(String id, String queue, String worker, String token, Instant startedAt, Instant leaseUntil, long heldFrom) {
      this.id = id;
      this.queue = queue;
      this.worker = worker;
      this.token = token;
      this.startedAt = startedAt;
      this.leaseUntil = leaseUntil;
      this.heldFromNanos = heldFrom;
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (CommandProcess s : servers) {
      s.process().destroy();
    }
    for (CommandProcess s : servers) {
      s.process().waitFor();
    }
    if (redis != null) {
      redis.close();
    }
    if (dir != null) {
      TempDirs.delete(dir);
    }
  }

  @Test
  @Timeout(300)
  void twoServersHandTasksToCompetingWorkersOnceUnderTheCapAndThreeSchedulersFireEachTickOnce() throws Exception {
    redis = RedisServer.started("--appendonly", "no");
    dir = Files.createTempDirectory("errand-redis-servers-");
    String store = redis.url("durability=none");
    Path config = dir.resolve("config.json");
    Files.writeString(config, """
        {"queues": {"capped": {"maxRunning": %d}},
         "schedules": {"tick": {"cron": "* * * * * *", "task": {"type": "tick", "queue": "ticks"}}}}
        """.formatted(CAP));
    // Started side by side: three JVMs one after the other take long on a busy machine.
    List<java.util.concurrent.Future<CommandProcess>> starting = new ArrayList<>();
    try (var starter = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 3; i++) {
        Path data = Files.createDirectories(dir.resolve("server" + i));
        starting.add(starter.submit(() -> CommandProcess.start(data, "--store", store, "--config", config.toString())));
      }
    }
    java.util.concurrent.ExecutionException failed = null;
    for (var s : starting) {
      try {
        servers.add(s.get()); // each one started is stopped after the test
      } catch (java.util.concurrent.ExecutionException e) {
        failed = e;
      }
    }
    if (failed != null) {
      throw failed;
    }
    Instant schedulersUp = Instant.now();
    List<Http> workerServers = List.of(new Http(servers.get(0).url(), null), new Http(servers.get(1).url(), null));

    enqueue(workerServers.get(0), "free", FREE_TASKS / 2);
    enqueue(workerServers.get(1), "free", FREE_TASKS / 2);
    enqueue(workerServers.get(0), "capped", CAPPED_TASKS);

    Map<String, List<Grant>> grants = new ConcurrentHashMap<>();
    Set<String> succeeded = ConcurrentHashMap.newKeySet();
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    AtomicInteger abandoned = new AtomicInteger();
    long deadline = System.nanoTime() + Duration.ofSeconds(200).toNanos();
    List<Thread> workers = new ArrayList<>();
    for (int s = 0; s < 2; s++) {
      for (int w = 0; w < WORKERS_PER_SERVER; w++) {
        Http http = new Http(workerServers.get(s).base(), null);
        String worker = "w" + s + "-" + w;
        workers.add(Thread.ofPlatform().name(worker).start(() -> work(http, worker, grants, succeeded, problems,
            abandoned, deadline)));
      }
    }
    for (Thread t : workers) {
      t.join();
    }
    assertThat(problems).as("answers the protocol does not allow").isEmpty();
    assertThat(succeeded).as("every task completed").hasSize(FREE_TASKS + CAPPED_TASKS);

    List<String> overlaps = new ArrayList<>();
    int regiven = 0;
    for (List<Grant> each : grants.values()) {
      List<Grant> sorted = new ArrayList<>(each);
      sorted.sort(Comparator.comparing(g -> g.startedAt));
      for (int i = 1; i < sorted.size(); i++) {
        Grant before = sorted.get(i - 1);
        Grant after = sorted.get(i);
        regiven++;
        if (before.completeStatus == 204 || after.startedAt.isBefore(before.leaseUntil)) {
          overlaps.add(after.id + " given to " + after.worker + " at " + after.startedAt + " while " + before.worker
              + " held it until " + before.leaseUntil + " (its completion: " + before.completeStatus + ")");
        }
      }
    }
    assertThat(overlaps).as("tasks given while a lease on them was held").isEmpty();
    assertThat(regiven).as("abandoned leases were given again after the sweep").isGreaterThanOrEqualTo(abandoned.get());
    assertThat(abandoned.get()).isPositive();

    int most = mostHeldAtOnce(grants, "capped");
    assertThat(most).as("capped tasks held at once across both servers").isLessThanOrEqualTo(CAP);
    assertThat(most).as("the workers competed for the capped queue").isGreaterThan(1);

    Map<String, Integer> expected = Map.of("free", FREE_TASKS, "capped", CAPPED_TASKS);
    int seen = 0;
    for (JsonNode q : workerServers.get(1).get("/v1/queues").json().path("queues")) {
      Integer n = expected.get(q.path("queue").asText());
      if (n != null) {
        seen++;
        assertThat(q.path("counts").path("SUCCEEDED").asInt()).as("%s", q).isEqualTo(n);
        assertThat(q.path("total").asInt()).as("only SUCCEEDED tasks: %s", q).isEqualTo(n);
      }
    }
    assertThat(seen).isEqualTo(2);

    checkTicks(workerServers.get(0), schedulersUp);
  }

  private static void enqueue(Http http, String queue, int n) {
    for (int done = 0; done < n; done += 500) {
      StringBuilder body = new StringBuilder("{\"tasks\":[");
      for (int i = 0; i < Math.min(500, n - done); i++) {
        body.append(i == 0 ? "" : ",").append("{\"type\":\"job\",\"queue\":\"").append(queue).append("\"}");
      }
      Http.Resp r = http.post("/v1/tasks:batch", body.append("]}").toString());
      assertThat(r.status()).as(r.toString()).isIn(200, 201);
    }
  }

  /**
   * One worker: claims from both queues in turn; on the free queue it abandons a few leases (never
   * answering), beats on some and completes the rest; on the capped queue it holds each task 2 ms.
   */
  private static void work(Http http, String worker, Map<String, List<Grant>> grants, Set<String> succeeded,
      ConcurrentLinkedQueue<String> problems, AtomicInteger abandoned, long deadline) {
    int round = 0;
    while (succeeded.size() < FREE_TASKS + CAPPED_TASKS && System.nanoTime() < deadline && problems.isEmpty()) {
      String queue = round++ % 2 == 0 ? "free" : "capped";
      int lease = queue.equals("free") ? FREE_LEASE_SECONDS : 30;
      Http.Resp claim = http.post("/v1/queues/" + queue + "/claim",
          "{\"workerId\":\"" + worker + "\",\"max\":5,\"leaseSeconds\":" + lease + ",\"waitSeconds\":1}");
      long answered = System.nanoTime();
      if (claim.status() != 200) {
        problems.add("claim: " + claim);
        return;
      }
      List<Grant> mine = new ArrayList<>();
      for (JsonNode t : claim.json().path("tasks")) {
        Grant g = new Grant(t.path("id").asText(), queue, worker, t.path("leaseToken").asText(),
            Instant.parse(t.path("startedAt").asText()), Instant.parse(t.path("leaseUntil").asText()), answered);
        grants.computeIfAbsent(g.id, k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(g);
        mine.add(g);
      }
      for (Grant g : mine) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (queue.equals("free") && random.nextInt(50) == 0
            && abandoned.getAndUpdate(n -> n < MAX_ABANDONED ? n + 1 : n) < MAX_ABANDONED) {
          continue; // this worker "dies" with the lease: the sweep must take it back first
        }
        if (random.nextInt(10) == 0) {
          Http.Resp beat = http.post("/v1/tasks/" + g.id + "/heartbeat",
              "{\"leaseToken\":\"" + g.token + "\",\"leaseSeconds\":" + lease + "}");
          if (beat.status() == 200) {
            Instant until = Instant.parse(beat.json().path("leaseUntil").asText());
            if (until.isAfter(g.leaseUntil)) {
              g.leaseUntil = until;
            }
          } else if (beat.status() != 409) {
            problems.add("heartbeat: " + beat);
          }
        }
        if (queue.equals("capped")) {
          sleep(2);
        }
        g.heldToNanos = System.nanoTime();
        Http.Resp done = http.post("/v1/tasks/" + g.id + "/complete", "{\"leaseToken\":\"" + g.token + "\"}");
        g.completeStatus = done.status();
        if (done.status() == 204) {
          if (!succeeded.add(g.id)) {
            problems.add("completed twice: " + g.id);
          }
        } else if (done.status() != 409) {
          // 409: the lease ran out first (a slow machine); the task is given again and the check holds
          problems.add("complete: " + done);
        }
      }
    }
  }

  /** The most tasks of {@code queue} held at once, over each grant's sure interval (answer to completion). */
  private static int mostHeldAtOnce(Map<String, List<Grant>> grants, String queue) {
    List<long[]> edges = new ArrayList<>();
    for (List<Grant> each : grants.values()) {
      for (Grant g : each) {
        if (g.queue.equals(queue) && g.heldToNanos != Long.MAX_VALUE) {
          edges.add(new long[] {g.heldFromNanos, 1});
          edges.add(new long[] {g.heldToNanos, -1});
        }
      }
    }
    edges.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
    int held = 0;
    int most = 0;
    for (long[] e : edges) {
      held += (int) e[1];
      most = Math.max(most, held);
    }
    return most;
  }

  /** Every second's tick since the schedulers started is one task, with the tick's idempotency key. */
  private static void checkTicks(Http http, Instant schedulersUp) {
    Map<String, Integer> byKey = new HashMap<>();
    String cursor = null;
    do {
      Http.Resp page = http.get("/v1/tasks?queue=ticks&limit=500" + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(page.status()).as(page.toString()).isEqualTo(200);
      for (JsonNode t : page.json().path("tasks")) {
        byKey.merge(t.path("idempotencyKey").asText(), 1, Integer::sum);
      }
      JsonNode next = page.json().path("next");
      cursor = next.isTextual() ? next.asText() : null;
    } while (cursor != null);
    TreeSet<Instant> ticks = new TreeSet<>();
    for (Map.Entry<String, Integer> e : byKey.entrySet()) {
      assertThat(e.getValue()).as("tasks of %s", e.getKey()).isEqualTo(1);
      assertThat(e.getKey()).startsWith("schedule:tick:");
      ticks.add(Instant.parse(e.getKey().substring("schedule:tick:".length())));
    }
    Instant first = ticks.first();
    Instant last = ticks.last();
    assertThat(Duration.between(schedulersUp, last)).as("the test ran long enough to see ticks")
        .isGreaterThan(Duration.ofSeconds(3));
    assertThat(first).as("the first tick after the schedulers came up fired").isBefore(schedulersUp.plusSeconds(2));
    Instant previous = null;
    for (Instant t : ticks) {
      if (previous != null) {
        assertThat(Duration.between(previous, t)).as("the tick after %s fired", previous).isEqualTo(Duration.ofSeconds(1));
      }
      previous = t;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
