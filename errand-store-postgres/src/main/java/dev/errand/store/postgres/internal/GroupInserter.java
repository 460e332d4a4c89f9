package dev.errand.store.postgres.internal;

import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.NewTask;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Coalesces concurrent small inserts in the store's own transactions into one statement and one commit
 * (group commit): each commit waits for its WAL flush, so single enqueues that each paid a round trip and
 * a flush of their own share them instead.
 *
 * <p>A call that finds no insert of this kind in flight runs at once on the caller's thread: a lone
 * enqueue on an idle store waits for nothing. Calls that arrive while one is in flight wait; when it
 * ends, all that are waiting (up to {@link #MAX_GROUP_TASKS} tasks) go as one insert, and each is
 * answered. At most one insert is in flight, so a burst of callers makes a few large statements instead
 * of many small ones queueing for connections and flushes.
 *
 * <p>Each caller gets exactly the outcomes of its own tasks, as if it had inserted alone after the
 * callers before it in the group: a task whose id or idempotency key an earlier task of the group took
 * comes back with that task and {@code created == false}. When a group's insert fails for a reason that
 * lies in one request's own data ({@code ownFault}: a value the database refuses, which fails the
 * statement before anything is written), every request of the group runs again alone, so only that
 * request fails. Any other failure (a lost connection, a closed store) is every caller's answer.
 *
 * <p>Requests of more than {@link #MAX_COALESCED_REQUEST} tasks are batches already and run at once,
 * alone. Waiting ignores interrupts: a caller that left early could not know whether its tasks were
 * written. Thread-safe; the lock is never held across I/O.
 */
public final class GroupInserter {
  /**
   * Larger requests already share one statement and one flush among their tasks, and holding them back
   * behind a group would only serialize big inserts that the database runs side by side.
   */
  static final int MAX_COALESCED_REQUEST = 16;
  /**
   * The most tasks one group insert takes: a thousand-row insert is a few milliseconds of the database's
   * time, so callers behind a full group wait little, while the flush is shared a thousand ways.
   */
  static final int MAX_GROUP_TASKS = 1000;

  private final String threadName;
  private final Function<List<NewTask>, InsertResult> insert;
  private final Predicate<RuntimeException> ownFault;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>(); // guarded by lock
  private boolean inFlight; // guarded by lock

  /**
   * @param insert inserts tasks in one statement of the store's own, answering in request order
   * @param ownFault whether a failure of {@code insert} lies in the data of the tasks inserted, and so
   *     wrote nothing and would fail only the request that holds the offending value
   */
  public GroupInserter(
      String storeName, Function<List<NewTask>, InsertResult> insert, Predicate<RuntimeException> ownFault) {
    this.threadName = "errand-" + storeName + "-group-insert";
    this.insert = insert;
    this.ownFault = ownFault;
  }

  /** Inserts {@code tasks}, alone or with the requests of other callers; outcomes in request order. */
  public InsertResult insert(List<NewTask> tasks) {
    return insert(tasks, () -> insert.apply(tasks));
  }

  /**
   * As {@link #insert(List)}, but a request that goes alone (nothing in flight, or too large to group) runs
   * {@code byItself}, which inserts the same tasks and may do more with them (lease a task to an idle worker);
   * one that joins a group is inserted plainly with it, so concurrent callers still share statements.
   */
  public InsertResult insert(List<NewTask> tasks, Supplier<InsertResult> byItself) {
    if (tasks.size() > MAX_COALESCED_REQUEST) {
      return byItself.get();
    }
    Pending me = null;
    lock.lock();
    try {
      if (inFlight) {
        me = new Pending(tasks);
        waiting.add(me);
      } else {
        inFlight = true;
      }
    } finally {
      lock.unlock();
    }
    if (me == null) {
      try {
        return byItself.get();
      } finally {
        handOn();
      }
    }
    return switch (me.answer.join()) {
      case Answer.Done done -> done.result();
      case Answer.Failed failed -> throw rethrow(failed.error());
      case Answer.Alone alone -> insert.apply(tasks);
    };
  }

  /**
   * Ends a caller's own insert (or a group's run that threw): the callers waiting now go next, as one
   * group, on a thread of its own, never a caller's: an interrupt meant for one caller (a handler's
   * timeout) would close the connection under every caller of the group. Or nothing is in flight any more.
   */
  private void handOn() {
    List<Pending> group = nextGroup();
    if (group != null) {
      Thread.ofVirtual().name(threadName).start(() -> runGroups(group));
    }
  }

  /**
   * Runs groups one after the other on this thread for as long as callers are waiting when one ends: under
   * a steady stream of callers the next group starts at once, where a new thread for each waited for a
   * free carrier: a fifth of each group's time under wrk (bench/README.md, "HTTP single enqueue on
   * PostgreSQL: the next group runs on the thread that ran the last").
   */
  private void runGroups(List<Pending> first) {
    List<Pending> group = first;
    boolean handedOn = false;
    try {
      while (group != null) {
        run(group);
        group = nextGroup();
      }
      handedOn = true;
    } finally {
      if (!handedOn) {
        handOn();
      }
    }
  }

  /** The callers waiting now, up to a group's worth, in arrival order; or null, and nothing in flight any more. */
  private List<Pending> nextGroup() {
    lock.lock();
    try {
      if (waiting.isEmpty()) {
        inFlight = false;
        return null;
      }
      List<Pending> group = new ArrayList<>();
      int tasks = 0;
      while (!waiting.isEmpty() && (group.isEmpty() || tasks + waiting.peek().tasks.size() <= MAX_GROUP_TASKS)) {
        Pending p = waiting.poll();
        tasks += p.tasks.size();
        group.add(p);
      }
      return group;
    } finally {
      lock.unlock();
    }
  }

  /** Runs a group's insert and answers each of its requests with its own share. */
  private void run(List<Pending> group) {
    List<Answer> answers = new ArrayList<>(group.size());
    try {
      List<NewTask> all = new ArrayList<>();
      for (Pending p : group) {
        all.addAll(p.tasks);
      }
      InsertResult result = insert.apply(all);
      int from = 0;
      for (Pending p : group) {
        int to = from + p.tasks.size();
        answers.add(new Answer.Done(new InsertResult(result.outcomes().subList(from, to))));
        from = to;
      }
    } catch (RuntimeException | Error e) {
      boolean alone = group.size() > 1 && e instanceof RuntimeException r && ownFault.test(r);
      answers.clear();
      for (int i = 0; i < group.size(); i++) {
        answers.add(alone ? new Answer.Alone() : new Answer.Failed(e));
      }
    }
    for (int i = 0; i < group.size(); i++) {
      group.get(i).answer.complete(answers.get(i));
    }
  }

  private static RuntimeException rethrow(Throwable error) {
    if (error instanceof Error e) {
      throw e;
    }
    return (RuntimeException) error;
  }

  /** A waiting caller's request and, once its group has run, its answer. */
  private static final class Pending {
    final List<NewTask> tasks;
    final CompletableFuture<Answer> answer = new CompletableFuture<>();

    Pending(List<NewTask> tasks) {
      this.tasks = tasks;
    }
  }

  /** What a waiting caller is told: its outcomes, its group's failure, or to insert again alone. */
  private sealed interface Answer {
    record Done(InsertResult result) implements Answer {}

    record Failed(Throwable error) implements Answer {}

    record Alone() implements Answer {}
  }
}
