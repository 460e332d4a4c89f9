package dev.errand.store.postgres;

import static dev.errand.store.postgres.NewTasks.LEASE;
import static dev.errand.store.postgres.NewTasks.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.StoreUnavailableException;
import dev.errand.core.TaskId;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.WaitRequest;
import java.io.File;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PostgreSQL restarted while producers insert: producers see StoreUnavailableException (never a false
 * success), the store recovers by itself once the server is back, and every insert that returned is
 * stored. Needs control of a local Debian-style cluster ({@code pg_ctlcluster}); skipped where there is
 * none. Whatever happens, the test leaves the server running.
 */
class PostgresRestartTest {
  private static final int PRODUCERS = 3;
  private static final Duration COMMAND_LIMIT = Duration.ofSeconds(60);

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void restartLosesNoAcknowledgedInsertAndTheStoreRecoversByItself() throws Exception {
    TestDatabase.requireServer();
    String version = localClusterVersion();
    Assumptions.assumeTrue(version != null, "no local pg_ctlcluster-managed cluster to restart");
    String schema = TestDatabase.newSchemaName("restart");
    PostgresStore store = PostgresStore.builder().url(TestDatabase.URL).schema(schema)
        .maximumPoolSize(4).connectionTimeout(Duration.ofSeconds(1)).build();
    ConcurrentLinkedQueue<TaskId> acknowledged = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    AtomicInteger unavailable = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> producers = new ArrayList<>();
    try {
      for (int p = 0; p < PRODUCERS; p++) {
        producers.add(Thread.ofPlatform().name("producer-" + p).start(
            () -> produce(store, stop, acknowledged, unavailable, unexpected)));
      }
      // Connects the LISTEN connection, so that the restart breaks it and it has to come back by itself.
      store.awaitWork(new WaitRequest(Set.of("idle"), Duration.ofMillis(300)));
      await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 200);

      runCluster(version, "restart");
      int afterRestart = acknowledged.size();
      System.out.printf("restarted with %d inserts acknowledged, %d refused so far%n", afterRestart, unavailable.get());

      await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= afterRestart + 200);
      store.ping();
      assertThat(store.claim(new ClaimRequest("restart", 5, LEASE, "w")).tasks()).hasSize(5);
      assertThatWakeUpsWorkAgain(store, schema);
    } finally {
      stop.set(true);
      for (Thread t : producers) {
        t.join(Duration.ofSeconds(30));
      }
      ensureServerRunning(version);
      store.close();
    }

    System.out.printf("%d inserts acknowledged, %d refused with StoreUnavailableException%n",
        acknowledged.size(), unavailable.get());
    assertThat(unexpected).as("failures other than StoreUnavailableException").isEmpty();
    assertThat(unavailable.get()).as("producers saw the outage").isPositive();
    assertThat(storedCount(schema, acknowledged)).isEqualTo(acknowledged.size());
    TestDatabase.dropSchema(schema);
  }

  private static void produce(PostgresStore store, AtomicBoolean stop, ConcurrentLinkedQueue<TaskId> acknowledged,
      AtomicInteger unavailable, ConcurrentLinkedQueue<Throwable> unexpected) {
    while (!stop.get()) {
      NewTask a = NewTasks.ready("restart");
      NewTask b = NewTasks.ready("restart");
      try {
        InsertResult result = store.insertMany(request(a, b));
        if (result.outcomes().stream().allMatch(InsertResult.Outcome::created)) {
          acknowledged.add(a.id());
          acknowledged.add(b.id());
        } else {
          unexpected.add(new AssertionError("fresh ids reported as existing: " + result));
        }
      } catch (StoreUnavailableException e) {
        unavailable.incrementAndGet();
        // Pace retries while the server is down rather than spinning on refused connections.
        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      } catch (Throwable e) {
        unexpected.add(e);
      }
    }
  }

  private static void assertThatWakeUpsWorkAgain(PostgresStore store, String schema) {
    PostgresStore producer = PostgresStore.builder().url(TestDatabase.URL).schema(schema).maximumPoolSize(1).build();
    try (producer) {
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        String queue = "wake" + System.nanoTime();
        assertThat(store.claim(new ClaimRequest(queue, 1, LEASE, "w")).tasks()).isEmpty();
        Thread inserter = Thread.ofPlatform().start(() -> producer.insertMany(request(NewTasks.ready(queue))));
        long start = System.nanoTime();
        store.awaitWork(new WaitRequest(Set.of(queue), Duration.ofSeconds(5)));
        inserter.join();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
      });
    }
  }

  private static long storedCount(String schema, ConcurrentLinkedQueue<TaskId> ids) throws Exception {
    try (Connection c = TestDatabase.connect();
        PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + schema + ".tasks WHERE id = ANY(?)")) {
      ps.setArray(1, c.createArrayOf("text", ids.stream().map(TaskId::value).toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** The version of the local cluster {@code main} the test database runs on, or null if there is none. */
  private static String localClusterVersion() {
    if (!TestDatabase.URL.contains("127.0.0.1") && !TestDatabase.URL.contains("localhost")) {
      return null;
    }
    File[] versions = new File("/etc/postgresql").listFiles(f -> new File(f, "main").isDirectory());
    if (versions == null || versions.length != 1 || !new File("/usr/bin/pg_ctlcluster").canExecute()) {
      return null;
    }
    return versions[0].getName();
  }

  private static void runCluster(String version, String action) throws Exception {
    Process p = new ProcessBuilder("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    if (!p.waitFor(COMMAND_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("pg_ctlcluster " + action + " did not finish within " + COMMAND_LIMIT);
    }
    assertThat(p.exitValue()).as("pg_ctlcluster " + action + " exit code").isZero();
  }

  /** Starts the cluster if the test left it down; never throws, so the test's own failure shows. */
  private static void ensureServerRunning(String version) {
    try (Connection c = TestDatabase.connect()) {
      c.isValid(2);
    } catch (Exception down) {
      try {
        runCluster(version, "start");
      } catch (Exception | AssertionError e) {
        System.err.println("could not start PostgreSQL again: " + e);
      }
    }
  }
}
