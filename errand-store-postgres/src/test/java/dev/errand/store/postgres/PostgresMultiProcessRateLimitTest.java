package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.core.Json;
import dev.errand.core.QueueLimits;
import dev.errand.core.RetryPolicy;
import dev.errand.core.TaskId;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.QueueLimitsRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two worker JVMs, 8 slots each, work one queue limited to 50 tasks a second (burst 25) through the
 * store. Over 20 s, from 2 s after the first claim (once the first burst is spent), the claims of both
 * together (the tasks' started_at, on the database's clock) number 50/s within 5%: the bucket is shared,
 * not per worker, and the workers keep up with it. The store never allows more than 50/s * 20 s + 25.
 */
class PostgresMultiProcessRateLimitTest extends MultiProcessTest {
  private static final int WORKERS = 2;
  private static final double RATE = 50;
  /** Half a second of tokens: a worker stalled that long by a busy machine loses none. */
  private static final int BURST = 25;
  private static final int WARM_UP_SECONDS = 2;
  private static final int WINDOW_SECONDS = 20;

  PostgresMultiProcessRateLimitTest() {
    super("rate");
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void rateLimitHoldsAcrossTwoWorkerProcesses() throws Exception {
    for (int w = 0; w < WORKERS; w++) {
      workers.add(startWorker("worker-" + w, "metered"));
    }
    PostgresStore producer = db.newStore();
    producer.limitQueue(new QueueLimitsRequest("metered", QueueLimits.rate(RATE, BURST)));
    int tasks = (int) (RATE * (WARM_UP_SECONDS + WINDOW_SECONDS + 10));
    List<NewTask> batch = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      batch.add(new NewTask(TaskId.generate(), "metered", "metered", Json.parse("{\"n\":" + i + "}"), 0, null,
          Duration.ZERO, RetryPolicy.DEFAULT, Duration.ofMinutes(1), null));
    }
    producer.insertMany(new InsertRequest(batch));

    // The window opens once the first burst is spent, and claims go on past its end, so it is whole.
    String first = "(SELECT min(started_at) FROM %1$s.tasks)";
    await().atMost(Duration.ofSeconds(WINDOW_SECONDS + 40)).pollInterval(Duration.ofMillis(500))
        .until(() -> count("SELECT count(*) FROM %1$s.tasks WHERE started_at > " + first + " + interval '"
            + (WARM_UP_SECONDS + WINDOW_SECONDS + 1) + " seconds'") > 0);
    long inWindow = count("SELECT count(*) FROM %1$s.tasks WHERE started_at >= " + first + " + interval '"
        + WARM_UP_SECONDS + " seconds' AND started_at < " + first + " + interval '"
        + (WARM_UP_SECONDS + WINDOW_SECONDS) + " seconds'");
    for (Process p : workers) {
      p.getOutputStream().close(); // graceful stop
    }
    for (Process p : workers) {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("worker stopped gracefully").isTrue();
    }
    double expected = RATE * WINDOW_SECONDS;
    System.out.printf("claimed %d in %d s at a limit of %.0f/s (burst %d): %.1f%% of the rate%n", inWindow,
        WINDOW_SECONDS, RATE, BURST, 100.0 * inWindow / expected);
    assertThat((double) inWindow).isBetween(expected * 0.95, expected * 1.05);
    assertThat(inWindow).as("never more than the bucket allows").isLessThanOrEqualTo((long) expected + BURST);
    for (int w = 0; w < WORKERS; w++) {
      assertThat(count("SELECT count(*) FROM %s.runs WHERE worker_id = 'worker-" + w + "'"))
          .as("worker-%d took part", w).isPositive();
    }
  }
}
