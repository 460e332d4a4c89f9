package dev.errand.bench;

import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.TaskState;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.DeadGroupQuery;
import dev.errand.core.spi.DeadGroupStore;
import dev.errand.core.spi.DeadGroups;
import dev.errand.core.spi.DueQuery;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * {@code history}: what an operator's reads cost on a store that has run for a while. The store is
 * filled through the SPI with N tasks that mostly SUCCEEDED, 1% DEAD, 1% READY and 1% delayed (an
 * hour), spread evenly over the fill, in three queues: {@code bulk}, {@code side} (2%) and
 * {@code rare} (0.1%, with its own type). Then each read an operator's dashboard makes is timed
 * {@value #REPEATS} times: the queue counts ({@code queues()}), the first task page, a page ten pages
 * deep, and searches by state, by a rare queue, by a rare type and by a creation-time window in the
 * middle of the history. A search is timed to its first full page: a store may answer a selective
 * search in short pages (see {@code TaskPage}), and the time is then that of every page up to it. The
 * dashboard's incident views add: the {@value #DUE_PAGE} tasks due soonest ({@code listDue}, the
 * retrying view), the dead letters read for grouping by error (up to {@value #DEAD_SCAN} in at most
 * {@value #DEAD_SCAN_PAGES} pages of {@code DEAD}, as the server's {@code GET /v1/dead/groups} reads
 * them when the store cannot group them), the groups by error the store counts from its dead tasks alone
 * ({@code DeadGroupStore}: every dead task, up to {@code DeadGroupQuery.MAX_READ}), and a task page (the
 * task and its error history).
 * Between the fill and the reads the store settles (see {@link FreshStore}), as a store in service has.
 *
 * <p>The check: the counts {@code queues()} reports are the ones the fill made (exactly for every state
 * but SUCCEEDED and CANCELLED, which a store may bound; then they must be marked so, at least the least
 * bound allowed and no more than the truth), and every page holds only tasks that match its filter, as
 * many as asked for while more exist; the due tasks are all waiting, in order of runAt, as many as asked
 * for; the dead-letter read holds only DEAD tasks, every one of them when there are no more than it reads.
 */
final class HistoryScenario extends FreshStoreScenario {
  static final int REPEATS = 11;
  private static final int PAGE = 50;
  /** The retrying view's page. */
  static final int DUE_PAGE = 200;
  /** The server's dead-letter grouping reads at most this many dead tasks, in at most so many pages. */
  static final int DEAD_SCAN = 1_000;
  static final int DEAD_SCAN_PAGES = 2;
  /** The dead tasks' errors come in this many first lines, so that they make as many groups a queue. */
  static final int ERROR_KINDS = 7;
  private static final int CHUNK = 10_000;
  private static final Duration DELAY = Duration.ofHours(1);
  private static final String BULK = "bulk";
  private static final String SIDE = "side";
  private static final String RARE = "rare";
  private static final String RARE_TYPE = "rare_report";

  HistoryScenario() {
    super("history", 1_000_000);
  }

  @Override
  List<Measurement> measure(FreshStore fresh, BenchSettings s) {
    TaskStore store = fresh.store();
    Errand client = Errand.builder().store(store).build();
    Json payload = Payloads.ofSize(s.payloadBytes());
    Map<String, Map<TaskState, Long>> expected = new LinkedHashMap<>();
    long fillStart = System.nanoTime();
    Instant windowStart = null;
    Instant windowEnd = null;
    long inWindow = 0;
    // The window is the chunk half way through the fill (the only one when N is a chunk or less).
    int windowChunk = (s.n() + CHUNK - 1) / CHUNK / 2;
    for (int done = 0; done < s.n(); done += CHUNK) {
      int size = Math.min(CHUNK, s.n() - done);
      boolean window = done / CHUNK == windowChunk;
      if (window) {
        windowStart = Instant.now();
        pauseForTheClock();
      }
      fillChunk(store, client, s, payload, BULK, CountingWorkers.TYPE, size * 979 / 1000, expected);
      fillChunk(store, client, s, payload, SIDE, CountingWorkers.TYPE, size * 20 / 1000, expected);
      fillChunk(store, client, s, payload, RARE, RARE_TYPE, size - size * 979 / 1000 - size * 20 / 1000, expected);
      if (window) {
        pauseForTheClock();
        windowEnd = Instant.now();
        inWindow = size;
      }
    }
    double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
    System.err.printf("history: filled %,d tasks in %.1f s%n", s.n(), fillSeconds);
    fresh.settle().run();

    checkCounts(store.queues(), expected);
    Map<String, Double> m = new LinkedHashMap<>();
    time(m, "queues", () -> store.queues().size());
    long all = s.n();
    long dead = total(expected, null, TaskState.DEAD);
    time(m, "list_first_page", () -> page(store, new TaskQuery(null, null, null, PAGE, null), t -> true, all));
    // Ten pages deep (fewer when N is small)
    int depth = (int) Math.min(10, (all - 1) / PAGE);
    TaskQuery deep = new TaskQuery(null, null, null, PAGE, null);
    for (int i = 0; i < depth; i++) {
      deep = deep.from(store.list(deep).next());
    }
    TaskQuery tenthPage = deep;
    time(m, "list_page_10", () -> page(store, tenthPage, t -> true, all - (long) depth * PAGE));
    time(m, "search_dead", () -> page(store, new TaskQuery(null, TaskState.DEAD, null, PAGE, null),
        t -> t.state() == TaskState.DEAD, dead));
    time(m, "search_ready", () -> page(store, new TaskQuery(null, TaskState.READY, null, PAGE, null),
        t -> t.state() == TaskState.READY, total(expected, null, TaskState.READY)));
    time(m, "search_rare_queue", () -> page(store, new TaskQuery(RARE, null, null, PAGE, null),
        t -> t.queue().equals(RARE), total(expected, RARE, null)));
    time(m, "search_rare_type_dead", () -> page(store, new TaskQuery(null, TaskState.DEAD, RARE_TYPE, PAGE, null),
        t -> t.type().equals(RARE_TYPE) && t.state() == TaskState.DEAD, total(expected, RARE, TaskState.DEAD)));
    Instant from = windowStart;
    Instant to = windowEnd;
    long windowed = inWindow;
    time(m, "search_window", () -> page(store, TaskQuery.all(PAGE).createdBetween(from, to),
        t -> !t.createdAt().isBefore(from) && t.createdAt().isBefore(to), windowed));
    long waiting = total(expected, null, TaskState.SCHEDULED);
    time(m, "due_first_page", () -> due(store, waiting));
    time(m, "dead_groups_read", () -> deadScan(store, dead));
    DeadGroupStore groups = store.capability(DeadGroupStore.class).orElse(null);
    if (groups != null) {
      time(m, "dead_groups", () -> deadGroups(groups, dead));
    }
    TaskId someDead = store.list(new TaskQuery(null, TaskState.DEAD, null, 1, null)).tasks().getFirst().id();
    time(m, "task_page", () -> store.get(someDead).map(t -> store.errors(t.id()).size()).orElseThrow(
        () -> new CorrectnessException("dead task " + someDead + " is gone")));
    m.put("fill_s", fillSeconds);
    return List.of(new Measurement(name(), "tasks-" + s.n(), s.n(), m));
  }

  /**
   * Enqueues {@code n} tasks into {@code queue}, claims and finishes 97% of them (1 in 100 DEAD, the
   * rest SUCCEEDED), then adds 1% READY and 1% delayed tasks, so the unfinished ones are spread over time.
   */
  private static void fillChunk(TaskStore store, Errand client, BenchSettings s, Json payload, String queue,
      String type, int n, Map<String, Map<TaskState, Long>> expected) {
    int waiting = n / 100;
    int finished = n - 2 * waiting;
    // A higher priority than the READY tasks left behind, so each claim takes this chunk's tasks and the
    // READY ones stay spread over the whole history.
    enqueue(client, queue, type, payload, finished, 5, null, s.batch());
    Map<TaskState, Long> counts = expected.computeIfAbsent(queue, q -> new EnumMap<>(TaskState.class));
    int claimedTotal = 0;
    while (claimedTotal < finished) {
      List<Task> tasks = store.claim(new ClaimRequest(queue, Math.min(1000, finished - claimedTotal),
          Duration.ofMinutes(5), "bench")).tasks();
      if (tasks.isEmpty()) {
        throw new CorrectnessException("claim found nothing with " + (finished - claimedTotal) + " tasks ready in " + queue);
      }
      List<Completion> done = new ArrayList<>(tasks.size());
      for (Task t : tasks) {
        long finishedSoFar = counts.getOrDefault(TaskState.SUCCEEDED, 0L) + counts.getOrDefault(TaskState.DEAD, 0L);
        boolean dead = finishedSoFar % 100 == 99;
        done.add(new Completion(t.id(), t.lease().token(), dead
            ? new Completion.Dead("bench: failed on purpose, kind " + (finishedSoFar / 100 % ERROR_KINDS)
                + "\n\tat dev.errand.bench.HistoryScenario.fill")
            : new Completion.Succeeded(null)));
        counts.merge(dead ? TaskState.DEAD : TaskState.SUCCEEDED, 1L, Long::sum);
      }
      if (!store.completeMany(new CompleteRequest(done)).stale().isEmpty()) {
        throw new CorrectnessException("completions of freshly claimed tasks were refused as stale");
      }
      claimedTotal += tasks.size();
    }
    enqueue(client, queue, type, payload, waiting, 0, null, s.batch());
    enqueue(client, queue, type, payload, waiting, 0, DELAY, s.batch());
    if (waiting > 0) {
      counts.merge(TaskState.READY, (long) waiting, Long::sum);
      counts.merge(TaskState.SCHEDULED, (long) waiting, Long::sum);
    }
  }

  private static void enqueue(Errand client, String queue, String type, Json payload, int n, int priority,
      Duration delay, int batch) {
    for (int i = 0; i < n; i += batch) {
      int size = Math.min(batch, n - i);
      List<TaskSpec> specs = new ArrayList<>(size);
      for (int j = 0; j < size; j++) {
        TaskSpec.Builder b = TaskSpec.builder(type).queue(queue).payload(payload).priority(priority);
        if (delay != null) {
          b.delay(delay);
        }
        specs.add(b.build());
      }
      client.enqueueMany(specs);
    }
  }

  /** Lets the store's clock (which may be a database server's) move past what came before. */
  private static void pauseForTheClock() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CorrectnessException("interrupted");
    }
  }

  /** Counts must be the fill's; a bounded count of a finished state must say so and not exceed it. */
  private static void checkCounts(List<QueueInfo> queues, Map<String, Map<TaskState, Long>> expected) {
    for (Map.Entry<String, Map<TaskState, Long>> e : expected.entrySet()) {
      QueueInfo q = queues.stream().filter(i -> i.queue().equals(e.getKey())).findFirst()
          .orElseThrow(() -> new CorrectnessException("queues() does not list " + e.getKey()));
      for (TaskState state : TaskState.values()) {
        long want = e.getValue().getOrDefault(state, 0L);
        long got = q.count(state);
        if (!q.isExact(state) && got >= QueueInfo.MIN_COUNT_BOUND && got <= want) {
          continue;
        }
        if (got != want) {
          throw new CorrectnessException("queue " + e.getKey() + " counts " + got + " " + state + "; the fill made " + want);
        }
      }
    }
  }

  /** Tasks the fill made in {@code queue} (or all) in {@code state} (or any). */
  private static long total(Map<String, Map<TaskState, Long>> expected, String queue, TaskState state) {
    long n = 0;
    for (Map.Entry<String, Map<TaskState, Long>> e : expected.entrySet()) {
      if (queue == null || queue.equals(e.getKey())) {
        for (Map.Entry<TaskState, Long> c : e.getValue().entrySet()) {
          if (state == null || state == c.getKey()) {
            n += c.getValue();
          }
        }
      }
    }
    return n;
  }

  /**
   * Reads pages of {@code query}, following next, until one is full or the matches run out, and checks
   * them: only matching tasks, and as many as asked for, or all {@code matching} if fewer. Returns how
   * many pages it read.
   */
  private static int page(TaskStore store, TaskQuery query, Predicate<Task> matches, long matching) {
    List<Task> found = new ArrayList<>();
    TaskQuery q = query;
    int pages = 0;
    while (true) {
      TaskPage page = store.list(q);
      pages++;
      for (Task t : page.tasks()) {
        if (!matches.test(t)) {
          throw new CorrectnessException("a page of " + query + " holds " + t.id() + " in " + t.queue() + ", "
              + t.state() + ", " + t.type() + ", created " + t.createdAt());
        }
      }
      found.addAll(page.tasks());
      if (page.next() == null || found.size() >= query.limit()) {
        break;
      }
      q = q.from(page.next());
    }
    if (Math.min(found.size(), query.limit()) != Math.min(query.limit(), matching)) {
      throw new CorrectnessException("pages of " + query + " hold " + found.size() + " tasks; " + matching + " match");
    }
    return pages;
  }

  /** The retrying view's read: the soonest waiting tasks, checked to be waiting and in order. */
  private static int due(TaskStore store, long waiting) {
    List<Task> tasks = store.listDue(new DueQuery(null, null, DUE_PAGE)).tasks();
    if (tasks.size() != Math.min(DUE_PAGE, waiting)) {
      throw new CorrectnessException("listDue gave " + tasks.size() + " tasks; " + waiting + " wait");
    }
    for (int i = 0; i < tasks.size(); i++) {
      Task t = tasks.get(i);
      if (t.state() != TaskState.SCHEDULED && t.state() != TaskState.RETRYING) {
        throw new CorrectnessException("listDue gave " + t.id() + " in " + t.state());
      }
      if (i > 0 && t.runAt().isBefore(tasks.get(i - 1).runAt())) {
        throw new CorrectnessException("listDue gave " + t.id() + " (runAt " + t.runAt() + ") after a later one");
      }
    }
    return tasks.size();
  }

  /** The dead-letter grouping's read: pages of DEAD, following next, as far as the server reads. */
  private static int deadScan(TaskStore store, long dead) {
    TaskQuery q = new TaskQuery(null, TaskState.DEAD, null, TaskQuery.MAX_LIMIT, null);
    int read = 0;
    int pages = 0;
    TaskPage page;
    do {
      page = store.list(q);
      pages++;
      for (Task t : page.tasks()) {
        if (t.state() != TaskState.DEAD) {
          throw new CorrectnessException("a page of dead tasks holds " + t.id() + " in " + t.state());
        }
      }
      read += page.tasks().size();
      if (page.next() != null) {
        q = q.from(page.next());
      }
    } while (page.next() != null && read < DEAD_SCAN && pages < DEAD_SCAN_PAGES);
    if (page.next() == null && read != dead) {
      throw new CorrectnessException("the pages of dead tasks hold " + read + "; " + dead + " are dead");
    }
    return read;
  }

  /**
   * The groups by error the store counts (what {@code GET /v1/dead/groups} reads on SQLite and
   * PostgreSQL): every dead task is counted once, in one of {@value #ERROR_KINDS} groups a queue, unless
   * more are dead than a query reads.
   */
  private static int deadGroups(DeadGroupStore store, long dead) {
    DeadGroups groups = store.deadGroups(new DeadGroupQuery(null, null, DeadGroupQuery.MAX_READ));
    long counted = groups.groups().stream().mapToLong(DeadGroups.Group::count).sum();
    long expected = Math.min(dead, DeadGroupQuery.MAX_READ);
    if (counted != expected || groups.read() != expected || groups.complete() != (dead <= DeadGroupQuery.MAX_READ)) {
      throw new CorrectnessException("the dead groups count " + counted + " of " + dead + " dead (read "
          + groups.read() + ", complete " + groups.complete() + ")");
    }
    for (DeadGroups.Group g : groups.groups()) {
      if (!g.error().startsWith("bench: failed on purpose, kind ")) {
        throw new CorrectnessException("a dead group's error line is " + g.error());
      }
    }
    return groups.groups().size();
  }

  /** Times {@code read} {@value #REPEATS} times; records the median and the slowest in milliseconds. */
  private static void time(Map<String, Double> metrics, String name, Supplier<Integer> read) {
    double[] ms = new double[REPEATS];
    for (int i = 0; i < REPEATS; i++) {
      long start = System.nanoTime();
      read.get();
      ms[i] = Stats.ms(System.nanoTime() - start);
    }
    metrics.put(name + "_p50_ms", Stats.percentile(ms, 50));
    metrics.put(name + "_max_ms", Stats.percentile(ms, 100));
  }
}
