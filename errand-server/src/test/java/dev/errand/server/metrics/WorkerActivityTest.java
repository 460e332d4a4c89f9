package dev.errand.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Task;
import dev.errand.core.testkit.InMemoryTaskStore;
import dev.errand.core.testkit.MutableClock;
import dev.errand.core.testkit.NewTasks;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.InsertRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the dashboard shows of each worker's and queue's last hour, from the listener calls alone. */
class WorkerActivityTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
  private final InMemoryTaskStore store = new InMemoryTaskStore(clock);
  private final WorkerActivity activity = new WorkerActivity(clock);
  private final QueueRates rates = new QueueRates(clock);

  private List<Task> claimed(String queue, String worker, int n) {
    for (int i = 0; i < n; i++) {
      store.insertMany(new InsertRequest(List.of(NewTasks.task(queue).build())));
    }
    List<Task> tasks = store.claim(new ClaimRequest(queue, n, Duration.ofMinutes(5), worker)).tasks();
    tasks.forEach(t -> {
      activity.claimed(t);
      rates.claimed(t);
    });
    return tasks;
  }

  @Test
  void countsEachWorkersOutcomesOfTheLastHourAndListsWhatItRuns() {
    List<Task> mail = claimed("mail", "w1", 3);
    List<Task> billing = claimed("billing", "w1", 1);
    claimed("mail", "w2", 1);
    activity.succeeded(mail.get(0), Duration.ZERO);
    rates.succeeded(mail.get(0), Duration.ZERO);
    activity.retrying(mail.get(1), "boom", Duration.ZERO);
    rates.retrying(mail.get(1), "boom", Duration.ZERO);
    activity.dead(billing.get(0), "gave up");
    rates.dead(billing.get(0), "gave up");

    WorkerActivity.Report w1 = activity.lastHour().stream().filter(r -> r.workerId().equals("w1")).findFirst()
        .orElseThrow();
    assertThat(w1.queues()).containsExactly("billing", "mail");
    assertThat(w1.running()).containsExactly(mail.get(2).id());
    assertThat(w1.succeeded()).isEqualTo(1);
    assertThat(w1.failed()).isEqualTo(2);
    assertThat(rates.lastMinutes()).containsOnlyKeys("mail", "billing");
    assertThat(rates.lastMinutes().get("mail").failureRate()).isEqualTo(0.5);
    assertThat(rates.lastMinutes().get("billing")).isEqualTo(new QueueRates.Rate(0, 1));

    clock.advance(Duration.ofMinutes(QueueRates.MINUTES));
    assertThat(rates.lastMinutes()).as("outcomes older than the window are forgotten").isEmpty();
    clock.advance(Duration.ofMinutes(30));
    assertThat(activity.lastHour()).extracting(WorkerActivity.Report::workerId).as("kept for an hour")
        .containsExactlyInAnyOrder("w1", "w2");
    clock.advance(WorkerActivity.KEPT);
    assertThat(activity.lastHour()).isEmpty();
  }

  @Test
  void aWorkerThatStoppedBeingSeenIsListedAsGone() throws Exception {
    WorkerTracker tracker = new WorkerTracker(clock, Duration.ofSeconds(90));
    Task t = claimed("mail", "w1", 1).getFirst();
    tracker.claimed(t);
    claimed("mail", "w2", 1).forEach(tracker::claimed);
    clock.advance(Duration.ofSeconds(60));
    tracker.seen("w2");
    clock.advance(Duration.ofSeconds(60));

    ActivityRoutes routes = new ActivityRoutes(tracker, activity, rates);
    List<ActivityRoutes.Row> rows = routes.rows();
    assertThat(rows).extracting(r -> r.workerId() + " " + (r.gone() ? "gone" : "live"))
        .containsExactlyInAnyOrder("w1 gone", "w2 live");
  }
}
