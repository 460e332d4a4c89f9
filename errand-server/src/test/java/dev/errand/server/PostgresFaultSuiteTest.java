package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fault suite on PostgreSQL (through a fault proxy, in a schema of its own), and a store outage with
 * producers and HTTP workers running: every 201 exists afterwards, every task finishes, and no answer
 * waits longer than the pool's connection timeout (after which the circuit answers at once).
 */
class PostgresFaultSuiteTest extends FaultSuiteTest {
  private static final Duration POOL_TIMEOUT = Duration.ofSeconds(2);
  private ProxiedPostgres pg;

  @BeforeEach
  void database() {
    pg = ProxiedPostgres.open("faults");
  }

  @AfterEach
  void dropDatabase() {
    killChildren(); // before the schema goes
    if (pg != null) {
      pg.close();
    }
  }

  @Override
  String storeUrl() {
    return pg.url("");
  }

  @Test
  void anOutageWithProducersAndWorkersRunningKeepsEvery201AndFinishesEveryTask() throws Exception {
    TestServer server = pg.server("connectionTimeout=" + POOL_TIMEOUT.toSeconds() + "s&socketTimeout=5");
    Queue<String> acknowledged = new ConcurrentLinkedQueue<>();
    AtomicLong slowest = new AtomicLong();
    AtomicBoolean producing = new AtomicBoolean(true);
    AtomicBoolean working = new AtomicBoolean(true);
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < 2; p++) {
      threads.add(Thread.ofVirtual().start(() -> {
        Http http = new Http(server.server.port());
        while (producing.get()) {
          long start = System.nanoTime();
          Http.Resp r = http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"outage\"}");
          slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
          if (r.status() == 201) {
            acknowledged.add(r.json().path("id").asText());
          }
        }
      }));
    }
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      String id = "outage-worker-" + w;
      Path log = dir.resolve(id + ".log");
      workers.add(Thread.ofVirtual().start(() -> {
        try {
          HttpWorkerProcess.run(new Http(server.server.port()), "outage", id, log, 5, working::get);
        } catch (Exception | Error e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 50);
    pg.proxy.refuse();
    await().atMost(Duration.ofSeconds(30)).until(() -> server.http.get("/health/ready").status() == 503);
    Thread.sleep(1500); // producers and workers meet the outage
    pg.proxy.heal();
    await().atMost(Duration.ofSeconds(30)).until(() -> server.http.get("/health/ready").status() == 200);
    int afterOutage = acknowledged.size();
    await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= afterOutage + 50);
    producing.set(false);
    for (Thread t : threads) {
      t.join(Duration.ofSeconds(30));
    }

    await().atMost(Duration.ofSeconds(60)).until(() -> unfinished(server.http) == 0);
    working.set(false);
    for (Thread t : workers) {
      t.join(Duration.ofSeconds(30));
    }
    List<String> lost = new ArrayList<>();
    for (String id : acknowledged) {
      Http.Resp r = server.http.get("/v1/tasks/" + id);
      if (r.status() != 200 || !r.json().path("state").asText().equals("SUCCEEDED")) {
        lost.add(id + " " + r);
      }
    }
    assertThat(lost).as("of %d acknowledged", acknowledged.size()).isEmpty();
    // Generous: an answer may wait for the pool before the circuit opens, never longer.
    assertThat(Duration.ofNanos(slowest.get())).isLessThan(POOL_TIMEOUT.plusSeconds(3));
  }

  /** Tasks of the queue not yet SUCCEEDED (the test makes none that fail). */
  private static long unfinished(Http http) {
    for (JsonNode q : http.get("/v1/queues").json().path("queues")) {
      if (q.path("queue").asText().equals("outage")) {
        return q.path("total").asLong() - q.path("counts").path("SUCCEEDED").asLong();
      }
    }
    return -1;
  }
}
