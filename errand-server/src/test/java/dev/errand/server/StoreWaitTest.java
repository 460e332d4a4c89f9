package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code errand server} started while its PostgreSQL does not answer (a fault proxy refuses every
 * connection): it waits, trying again with backoff and saying so, live but not ready, until the store
 * answers, and gives up after {@code --store-wait}.
 */
class StoreWaitTest {
  @TempDir
  Path dir;
  private ProxiedPostgres pg;
  private Process child;

  @BeforeEach
  void refuse() {
    pg = ProxiedPostgres.open("wait");
    pg.proxy.refuse();
  }

  @AfterEach
  void stop() {
    if (child != null) {
      child.destroyForcibly();
    }
    if (pg != null) {
      pg.close();
    }
  }

  @Test
  void aStoreThatIsNotUpYetIsWaitedForWhileLivenessAnswersAndTheApiSays503() throws Exception {
    CommandProcess server = CommandProcess.start(dir, "--store", pg.url("connectionTimeout=1s"), "--store-wait", "2m");
    child = server.process();
    Http http = new Http(server.url(), null);
    assertThat(http.get("/health/live").status()).isEqualTo(200);
    Http.Resp ready = http.get("/health/ready");
    assertThat(ready.status()).isEqualTo(503);
    assertThat(ready.header("Retry-After")).isNotBlank();
    Http.Resp enqueue = http.post("/v1/tasks", "{\"type\":\"t\"}");
    assertThat(enqueue.status()).as(enqueue.toString()).isEqualTo(503);
    assertThat(enqueue.header("Retry-After")).isNotBlank();
    assertThat(enqueue.header("X-Content-Type-Options")).isEqualTo("nosniff");
    List<String> output = new ArrayList<>(server.lines());
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      server.more().drainTo(output);
      assertThat(output).filteredOn(l -> l.contains("does not answer (try")).hasSizeGreaterThanOrEqualTo(2);
    });

    pg.proxy.heal();
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> http.get("/health/ready").status() == 200);
    assertThat(http.post("/v1/tasks", "{\"type\":\"t\"}").status()).isEqualTo(201);
    server.more().drainTo(output);
    assertThat(output).anyMatch(l -> l.contains("answered after"));
  }

  @Test
  void sigtermWhileWaitingForTheStoreExits0() throws Exception {
    CommandProcess server = CommandProcess.start(dir, "--store", pg.url("connectionTimeout=1s"), "--store-wait", "2m");
    child = server.process();
    child.destroy(); // SIGTERM
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
    assertThat(child.exitValue()).isZero();
  }

  @Test
  void aStoreThatNeverAnswersWithinTheWaitEndsTheServerWithExit1() throws Exception {
    CommandProcess server = CommandProcess.start(dir, "--store", pg.url("connectionTimeout=1s"), "--store-wait", "3s");
    child = server.process();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
    assertThat(child.exitValue()).isEqualTo(1);
    List<String> output = new ArrayList<>(server.lines());
    server.more().drainTo(output);
    assertThat(output).anyMatch(l -> l.contains("did not answer within --store-wait"));
  }
}
