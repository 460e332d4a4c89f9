package dev.errand.server.metrics;

import dev.errand.core.ErrandListener;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which workers are alive: a worker of the worker protocol is alive until it has gone unseen for longer
 * than its lease, or than the long poll it is in if that is longer, and {@link #GRACE} more (for
 * {@code window} while it has claimed nothing). A worker holding a lease must come back (a heartbeat, a
 * completion, a claim) before the lease runs out, so a fixed window either flagged the workers of long
 * leases as gone between their heartbeats or kept those of short leases alive long after they died. A
 * worker in this process is seen only when it claims, so it stays alive for {@code window} at least.
 * Workers are seen through the listener's claims (in-process workers and the server's worker protocol
 * alike) and through {@link #polling}, {@link #seen} and {@link #heartbeat}, which the worker protocol
 * calls. The gauge {@code errand.workers.alive} counts them. Memory is bounded by live workers and running
 * tasks: entries of workers that are gone are dropped whenever the list is read. Thread-safe; never throws.
 */
public final class WorkerTracker implements ErrandListener, MeterBinder {
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(90);
  /** What a worker is allowed beyond its lease or long poll: a request's way to the server and back. */
  public static final Duration GRACE = Duration.ofSeconds(5);

  private final Clock clock;
  private final Duration window;
  private final ConcurrentMap<String, Worker> workers = new ConcurrentHashMap<>();
  /**
   * The lease of each running task as this process heard of it, so that a heartbeat (which names the task
   * only) finds its worker, and an outcome is counted against the worker whose lease it ended.
   */
  private final ConcurrentMap<TaskId, Holder> runningBy = new ConcurrentHashMap<>();

  /** Who holds a task's lease: the worker and the token that tells this lease from a later one. */
  private record Holder(String workerId, String token) {}

  public WorkerTracker(Clock clock, Duration window) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.window = Objects.requireNonNull(window, "window");
  }

  /** One worker: when last seen, how long it may stay away, and how many tasks it runs. */
  private static final class Worker {
    volatile Instant seenAt;
    /** The longest lease it was given, or zero while it has claimed nothing. */
    volatile Duration lease = Duration.ZERO;
    /** The wait of its latest long poll; null for a worker that does not poll over HTTP (one in process). */
    volatile Duration poll;
    final AtomicInteger running = new AtomicInteger();

    Worker(Instant seenAt) {
      this.seenAt = seenAt;
    }

    /**
     * How long it may go unseen before it counts as gone. A worker in this process is seen only when it
     * claims, not when it waits idle, so it keeps {@code window} at least.
     */
    Duration away(Duration window) {
      Duration away = longer(lease, poll == null ? Duration.ZERO : poll).plus(GRACE);
      // Seen only when it claims (in this process), or owing no visit (no lease yet): the window at least.
      return poll == null || lease.isZero() ? longer(away, window) : away;
    }

    private static Duration longer(Duration a, Duration b) {
      return a.compareTo(b) >= 0 ? a : b;
    }
  }

  /** A live worker as reported: id, last seen, tasks running as far as this process knows. */
  public record WorkerInfo(String workerId, Instant seenAt, int running) {}

  /** The worker was heard from (at the end of a claim long poll; {@link #polling} is its start). */
  public void seen(String workerId) {
    touch(workerId);
  }

  /** The worker starts a claim long poll that may last {@code wait}. */
  public void polling(String workerId, Duration wait) {
    touch(workerId).poll = wait;
  }

  private Worker touch(String workerId) {
    return workers.compute(workerId, (id, w) -> {
      if (w == null) {
        return new Worker(clock.instant());
      }
      w.seenAt = clock.instant();
      return w;
    });
  }

  /** The worker running {@code task} extended its lease. */
  public void heartbeat(TaskId task) {
    Holder holder = runningBy.get(task);
    if (holder != null) {
      seen(holder.workerId());
    }
  }

  @Override
  public void claimed(Task task) {
    if (task.lease() == null) {
      return;
    }
    String workerId = task.lease().workerId();
    seen(workerId);
    Holder previous = runningBy.put(task.id(), new Holder(workerId, task.lease().token()));
    if (previous != null) {
      // An older lease of the task ended without this process hearing how (its sweep ran on another
      // node): it is not running there any more.
      decrement(previous.workerId());
    }
    Worker w = workers.computeIfAbsent(workerId, id -> new Worker(clock.instant()));
    w.running.incrementAndGet();
    Duration lease = Duration.between(clock.instant(), task.lease().until());
    if (lease.compareTo(w.lease) > 0) {
      w.lease = lease;
    }
  }

  @Override
  public void succeeded(Task task, Duration runTime) {
    finished(task);
  }

  @Override
  public void retrying(Task task, String error, Duration retryIn) {
    finished(task);
  }

  @Override
  public void dead(Task task, String error) {
    finished(task);
  }

  @Override
  public void released(Task task) {
    finished(task);
  }

  @Override
  public void leaseLost(Task task) {
    finished(task);
  }

  @Override
  public void cancelled(Task task) {
    finished(task);
  }

  /**
   * The attempt of {@code task} ended. A task that still carries its lease ends that lease only, so that a
   * late word about an old lease (a stale worker's) never ends a later one; a task as the store left it
   * after the outcome (a remote completion, a cancellation) carries none and ends whichever lease this
   * process knows of.
   */
  private void finished(Task task) {
    Holder ended;
    if (task.lease() == null) {
      ended = runningBy.remove(task.id());
    } else {
      Holder holder = new Holder(task.lease().workerId(), task.lease().token());
      ended = runningBy.remove(task.id(), holder) ? holder : null;
    }
    if (ended != null) {
      decrement(ended.workerId());
    }
  }

  private void decrement(String workerId) {
    Worker w = workers.get(workerId);
    if (w != null) {
      w.running.updateAndGet(n -> Math.max(0, n - 1));
    }
  }

  /** The live workers, most recently seen first; forgets the others. */
  public List<WorkerInfo> alive() {
    Instant now = clock.instant();
    List<WorkerInfo> out = new ArrayList<>();
    workers.forEach((id, w) -> {
      if (w.seenAt.plus(w.away(window)).isBefore(now)) {
        if (workers.remove(id, w)) {
          runningBy.values().removeIf(h -> h.workerId().equals(id)); // the store's sweep takes their leases back
        }
      } else {
        out.add(new WorkerInfo(id, w.seenAt, w.running.get()));
      }
    });
    out.sort(Comparator.comparing(WorkerInfo::seenAt).reversed());
    return out;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("errand.workers.alive", this, t -> t.alive().size())
        .description("Workers that claimed, polled or heartbeat within their lease").register(registry);
  }
}
