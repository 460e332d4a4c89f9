package dev.errand.server.metrics;

import dev.errand.core.ErrandListener;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * What each worker did in the last hour, beside {@link WorkerTracker}'s liveness and running counts: the
 * queues it claimed from, the tasks it runs now (ids, for links), how many of its attempts succeeded and
 * failed, and when it last claimed or finished one (an empty long poll is seen by the tracker only). A worker stays here for {@link #KEPT} after it was
 * last seen, so the dashboard can show it as gone rather than let it vanish. Memory follows the workers
 * of the last hour and the running tasks. Thread-safe; never throws.
 */
public final class WorkerActivity implements ErrandListener {
  public static final Duration KEPT = Duration.ofHours(1);
  /** At most this many running task ids are reported per worker. */
  public static final int RUNNING_SHOWN = 20;
  private static final int SUCCEEDED = 0;
  private static final int FAILED = 1;

  private final Clock clock;
  private final MinuteCounts outcomes;
  private final ConcurrentMap<String, Activity> workers = new ConcurrentHashMap<>();
  private final ConcurrentMap<TaskId, String> runningBy = new ConcurrentHashMap<>();

  private static final class Activity {
    volatile Instant seenAt;
    final Set<String> queues = ConcurrentHashMap.newKeySet();

    Activity(Instant seenAt) {
      this.seenAt = seenAt;
    }
  }

  /**
   * One worker's last hour.
   *
   * @param running the ids of tasks it runs now, at most {@link #RUNNING_SHOWN}, oldest first
   */
  public record Report(String workerId, Instant seenAt, List<String> queues, List<TaskId> running, long succeeded,
      long failed) {}

  public WorkerActivity(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.outcomes = new MinuteCounts(clock, 60, 2);
  }

  private Activity touch(String workerId) {
    Instant now = clock.instant();
    Activity a = workers.computeIfAbsent(workerId, id -> new Activity(now));
    a.seenAt = now;
    return a;
  }

  @Override
  public void claimed(Task task) {
    if (task.lease() != null) {
      String workerId = task.lease().workerId();
      touch(workerId).queues.add(task.queue());
      runningBy.put(task.id(), workerId);
    }
  }

  @Override
  public void succeeded(Task task, Duration runTime) {
    finished(task, SUCCEEDED);
  }

  @Override
  public void retrying(Task task, String error, Duration retryIn) {
    finished(task, FAILED);
  }

  @Override
  public void dead(Task task, String error) {
    finished(task, FAILED);
  }

  @Override
  public void released(Task task) {
    runningBy.remove(task.id());
  }

  @Override
  public void leaseLost(Task task) {
    runningBy.remove(task.id());
  }

  @Override
  public void cancelled(Task task) {
    runningBy.remove(task.id());
  }

  private void finished(Task task, int outcome) {
    String workerId = runningBy.remove(task.id());
    if (workerId == null && task.lease() != null) {
      workerId = task.lease().workerId();
    }
    if (workerId != null) {
      touch(workerId);
      outcomes.add(workerId, outcome);
    }
  }

  /** The workers seen in the last {@link #KEPT}, most recently seen first; forgets the others. */
  public List<Report> lastHour() {
    Instant cutoff = clock.instant().minus(KEPT);
    workers.entrySet().removeIf(e -> e.getValue().seenAt.isBefore(cutoff));
    runningBy.values().removeIf(id -> !workers.containsKey(id));
    outcomes.keys(); // forgets the workers with no outcome in the hour
    Map<String, List<TaskId>> running = new HashMap<>();
    runningBy.forEach((task, worker) -> running.computeIfAbsent(worker, w -> new ArrayList<>()).add(task));
    List<Report> out = new ArrayList<>();
    workers.forEach((id, a) -> {
      List<TaskId> tasks = running.getOrDefault(id, List.of()).stream().sorted().limit(RUNNING_SHOWN).toList();
      long[] s = outcomes.sums(id, 60);
      out.add(new Report(id, a.seenAt, List.copyOf(new TreeSet<>(a.queues)), tasks, s[SUCCEEDED], s[FAILED]));
    });
    out.sort(Comparator.comparing(Report::seenAt).reversed());
    return out;
  }
}
