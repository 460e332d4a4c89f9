package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A PostgreSQL outage, made by a fault proxy that resets every connection: once the store is known to be
 * down, the API and readiness answer 503 with Retry-After at once (not after the pool's connection
 * timeout), and the first probe that gets through ends it, with nothing refused after.
 */
class PostgresOutageTest {
  /** The pool's wait for a connection; every answer during the outage must come well before it. */
  private static final Duration POOL_TIMEOUT = Duration.ofSeconds(4);

  private ProxiedPostgres pg;
  private TestServer server;

  @BeforeEach
  void start() {
    pg = ProxiedPostgres.open("outage");
    server = pg.server("connectionTimeout=" + POOL_TIMEOUT.toSeconds() + "s&socketTimeout=10");
  }

  @AfterEach
  void stop() {
    if (pg != null) {
      pg.close(); // and the server
    }
  }

  @Test
  void anOutageIsAnswered503AtOnceAndTheFirstProbeThatGetsThroughEndsIt() {
    assertThat(enqueue("before").status()).isEqualTo(201);
    pg.proxy.refuse();
    // The first calls find the store gone, within the pool's connection timeout at most.
    await().atMost(Duration.ofSeconds(30)).until(() -> server.http.get("/health/ready").status() == 503);

    long slowest = 0;
    for (int i = 0; i < 20; i++) {
      long start = System.nanoTime();
      Http.Resp r = enqueue("during-" + i);
      slowest = Math.max(slowest, System.nanoTime() - start);
      assertThat(r.status()).as(r.toString()).isEqualTo(503);
      assertThat(r.header("Retry-After")).isNotBlank();
      assertThat(r.json().path("detail").asText()).contains("same idempotency key");
    }
    Http.Resp ready = server.http.get("/health/ready");
    assertThat(ready.status()).isEqualTo(503);
    assertThat(ready.header("Retry-After")).isNotBlank();
    assertThat(server.http.get("/health/live").status()).isEqualTo(200);
    assertThat(server.http.get("/v1/queues").status()).isEqualTo(503);
    // Generous: the point is that no answer waits out the pool's timeout, as every one did before.
    assertThat(Duration.ofNanos(slowest)).isLessThan(POOL_TIMEOUT.dividedBy(2));

    pg.proxy.heal();
    await().atMost(Duration.ofSeconds(30)).until(() -> server.http.get("/health/ready").status() == 200);
    for (int i = 0; i < 20; i++) {
      assertThat(enqueue("after-" + i).status()).isEqualTo(201);
    }
  }

  @Test
  void producersRunningThroughAnOutageAreNeverRefusedOnceTheStoreIsBackAndEvery201IsKept() throws Exception {
    record Answer(long sentNanos, int status, String id) {}
    Queue<Answer> answers = new ConcurrentLinkedQueue<>();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger seq = new AtomicInteger();
    List<Thread> producers = new ArrayList<>();
    for (int p = 0; p < 4; p++) {
      producers.add(Thread.ofVirtual().start(() -> {
        Http http = new Http(server.server.port());
        while (running.get()) {
          long sent = System.nanoTime();
          Http.Resp r = http.post("/v1/tasks", "{\"type\":\"t\",\"idempotencyKey\":\"k-" + seq.incrementAndGet() + "\"}");
          answers.add(new Answer(sent, r.status(), r.status() == 201 ? r.json().path("id").asText() : null));
        }
      }));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> answers.size() >= 20);
    pg.proxy.refuse();
    await().atMost(Duration.ofSeconds(30)).until(() -> server.http.get("/health/ready").status() == 503);
    int before = answers.size();
    await().atMost(Duration.ofSeconds(30)).until(() -> answers.size() >= before + 50); // answered at once
    pg.proxy.heal();
    await().atMost(Duration.ofSeconds(30)).until(() -> server.http.get("/health/ready").status() == 200);
    long back = System.nanoTime();
    await().atMost(Duration.ofSeconds(30)).until(() -> answers.stream().filter(a -> a.sentNanos() > back).count() >= 40);
    running.set(false);
    for (Thread t : producers) {
      t.join(Duration.ofSeconds(30));
    }

    assertThat(answers.stream().filter(a -> a.sentNanos() > back).map(Answer::status)).containsOnly(201);
    assertThat(answers.stream().map(Answer::status)).contains(503).containsOnly(201, 503);
    for (Answer a : answers) {
      if (a.status() == 201) {
        assertThat(server.http.get("/v1/tasks/" + a.id()).status()).as("task %s", a.id()).isEqualTo(200);
      }
    }
  }

  private Http.Resp enqueue(String key) {
    return server.http.post("/v1/tasks", "{\"type\":\"t\",\"idempotencyKey\":\"" + key + "\"}");
  }
}
