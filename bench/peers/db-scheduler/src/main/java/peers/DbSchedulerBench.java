package peers;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * db-scheduler through errand bench's drain and latency scenarios (see ../README.md).
 *
 * <ul>
 *   <li>drain: N one-time executions scheduled in bulk ({@code scheduleBatch}, 1000 a call, due now), then
 *       the scheduler starts; executions/s from the first execution's start to the moment the table is
 *       empty (a one-time task's row is deleted when it completes).
 *   <li>latency: 100 warm-up executions then N, one every 1000/rate ms, each scheduled for now on its own
 *       virtual thread at its time (open loop, as errand bench), into an idle scheduler with immediate
 *       execution on; p50/p99/max from just before {@code schedule} to the start of the handler.
 * </ul>
 *
 * Each run has a fresh schema, dropped after. Check: each execution ran exactly once, and at the end the
 * table is empty (none failed and was rescheduled, none left).
 */
public final class DbSchedulerBench {
  private final Map<String, String> opts;
  private final String url;
  private final String user;

  private DbSchedulerBench(Map<String, String> opts) {
    this.opts = opts;
    this.url = opt("jdbc", "jdbc:postgresql://127.0.0.1:5432/test");
    this.user = opt("user", "postgres");
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !(args[0].equals("drain") || args[0].equals("latency"))) {
      System.err.println("usage: db-scheduler-bench drain|latency [--n N] [--threads T] [--key value]...");
      System.exit(64);
    }
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    DbSchedulerBench b = new DbSchedulerBench(opts);
    String line = args[0].equals("drain") ? b.drainScenario() : b.latencyScenario();
    System.out.println(line);
    System.exit(0);
  }

  private String opt(String key, String dflt) {
    return opts.getOrDefault(key, dflt);
  }

  private int intOpt(String key, int dflt) {
    return Integer.parseInt(opt(key, Integer.toString(dflt)));
  }

  private double doubleOpt(String key, double dflt) {
    return Double.parseDouble(opt(key, Double.toString(dflt)));
  }

  // ---- the runs

  private String drainScenario() throws Exception {
    int n = intOpt("n", 100_000);
    int warmup = intOpt("warmup", 10_000);
    if (warmup > 0) {
      drain(warmup);
    }
    Map<String, Double> m = drain(n);
    return report("drain", n, m, drainSettings());
  }

  private String drainSettings() {
    return String.format(Locale.ROOT,
        "{\"threads\":%d,\"polling\":\"lock-and-fetch\",\"lowerLimitFractionOfThreads\":%s,"
            + "\"upperLimitFractionOfThreads\":%s,\"pollingIntervalMs\":%d,\"pool\":%d,\"scheduleBatch\":1000,\"warmup\":%d}",
        intOpt("threads", 200), doubleOpt("lower", 1.0), doubleOpt("upper", 4.0), intOpt("poll-ms", 100),
        intOpt("pool", 24), intOpt("warmup", 10_000));
  }

  private Map<String, Double> drain(int n) throws Exception {
    try (Fresh fresh = new Fresh()) {
      int[] seen = new int[n];
      AtomicInteger count = new AtomicInteger();
      AtomicLong firstStart = new AtomicLong();
      OneTimeTask<Void> task = Tasks.oneTime("noop", Void.class).execute((inst, ctx) -> {
        firstStart.compareAndSet(0, System.nanoTime());
        record(seen, Integer.parseInt(inst.getId()));
        count.incrementAndGet();
      });
      long e0 = System.nanoTime();
      Instant due = Instant.now().minusSeconds(1);
      var client = fresh.client(task);
      for (int i = 0; i < n; i += 1000) {
        List<TaskInstance<?>> batch = new ArrayList<>(1000);
        for (int j = i; j < Math.min(n, i + 1000); j++) {
          batch.add(task.instance(Integer.toString(j)));
        }
        client.scheduleBatch(batch, due);
      }
      long enqueueNanos = System.nanoTime() - e0;
      Scheduler scheduler = Scheduler.create(fresh.ds, task)
          .tableName(fresh.table())
          .threads(intOpt("threads", 200))
          .pollingInterval(Duration.ofMillis(intOpt("poll-ms", 100)))
          .pollUsingLockAndFetch(doubleOpt("lower", 1.0), doubleOpt("upper", 4.0))
          .shutdownMaxWait(Duration.ofSeconds(5))
          .build();
      scheduler.start();
      waitFor(() -> count.get() >= n, 600_000, "every execution to run");
      long end = waitForNanos(() -> fresh.rows() == 0, 60_000, "the table to empty");
      scheduler.stop();
      verify(seen);
      long left = fresh.rows();
      if (left != 0) {
        throw new IllegalStateException(left + " executions left in the table after the drain");
      }
      double s = (end - firstStart.get()) / 1e9;
      Map<String, Double> m = new java.util.LinkedHashMap<>();
      m.put("tasks_per_s", (double) Math.round(n / s));
      m.put("drain_s", s);
      m.put("enqueue_per_s", (double) Math.round(n / (enqueueNanos / 1e9)));
      return m;
    }
  }

  private String latencyScenario() throws Exception {
    int n = intOpt("n", 1_000);
    int warm = intOpt("warm-jobs", 100);
    int rate = intOpt("rate", 100);
    int total = n + warm;
    try (Fresh fresh = new Fresh()) {
      int[] seen = new int[total];
      long[] start = new long[total];
      long[] sent = new long[total];
      AtomicInteger count = new AtomicInteger();
      OneTimeTask<Void> task = Tasks.oneTime("noop", Void.class).execute((inst, ctx) -> {
        int i = Integer.parseInt(inst.getId());
        start[i] = System.nanoTime();
        record(seen, i);
        count.incrementAndGet();
      });
      Scheduler scheduler = Scheduler.create(fresh.ds, task)
          .tableName(fresh.table())
          .threads(intOpt("threads", 200))
          .pollingInterval(Duration.ofMillis(intOpt("poll-ms", 100)))
          .pollUsingLockAndFetch(doubleOpt("lower", 1.0), doubleOpt("upper", 4.0))
          .enableImmediateExecution()
          .shutdownMaxWait(Duration.ofSeconds(5))
          .build();
      scheduler.start();
      Thread.sleep(1000); // started and idle
      AtomicReference<Throwable> failure = new AtomicReference<>();
      long period = 1_000_000_000L / rate;
      long t0 = System.nanoTime() + period;
      List<Thread> senders = new ArrayList<>(total);
      for (int i = 0; i < total; i++) {
        long due = t0 + i * period;
        for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
          LockSupport.parkNanos(left);
        }
        int k = i;
        senders.add(Thread.ofVirtual().start(() -> {
          try {
            sent[k] = System.nanoTime();
            scheduler.schedule(task.instance(Integer.toString(k)), Instant.now());
          } catch (Throwable t) {
            failure.compareAndSet(null, t);
          }
        }));
      }
      for (Thread t : senders) {
        t.join();
      }
      if (failure.get() != null) {
        throw new IllegalStateException("a schedule failed", failure.get());
      }
      waitFor(() -> count.get() >= total, 60_000, "every execution to run");
      waitForNanos(() -> fresh.rows() == 0, 60_000, "the table to empty");
      scheduler.stop();
      verify(seen);
      double[] d = new double[n];
      for (int i = warm; i < total; i++) {
        d[i - warm] = (start[i] - sent[i]) / 1e6;
      }
      Arrays.sort(d);
      Map<String, Double> m = new java.util.LinkedHashMap<>();
      m.put("p50_ms", percentile(d, 50));
      m.put("p99_ms", percentile(d, 99));
      m.put("max_ms", percentile(d, 100));
      String settings = String.format(Locale.ROOT,
          "{\"threads\":%d,\"polling\":\"lock-and-fetch\",\"lowerLimitFractionOfThreads\":%s,"
              + "\"upperLimitFractionOfThreads\":%s,\"pollingIntervalMs\":%d,\"pool\":%d,\"immediateExecution\":true,\"rate\":%d,\"warmJobs\":%d}",
          intOpt("threads", 200), doubleOpt("lower", 1.0), doubleOpt("upper", 4.0), intOpt("poll-ms", 100),
          intOpt("pool", 24), rate, warm);
      return report("latency", n, m, settings);
    }
  }

  // ---- helpers

  private static void record(int[] seen, int i) {
    synchronized (seen) {
      seen[i]++;
    }
  }

  private static void verify(int[] seen) {
    synchronized (seen) {
      for (int i = 0; i < seen.length; i++) {
        if (seen[i] != 1) {
          throw new IllegalStateException("execution " + i + " ran " + seen[i] + " times");
        }
      }
    }
  }

  /** Nearest rank, as errand bench. */
  private static double percentile(double[] sorted, int p) {
    int rank = Math.max(1, (int) Math.ceil(p / 100.0 * sorted.length));
    return sorted[Math.min(sorted.length, rank) - 1];
  }

  interface Check {
    boolean ok() throws Exception;
  }

  private static void waitFor(Check c, long timeoutMs, String what) throws Exception {
    waitForNanos(c, timeoutMs, what);
  }

  /** Polls every 2 ms; returns the time the check first held. */
  private static long waitForNanos(Check c, long timeoutMs, String what) throws Exception {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (true) {
      if (c.ok()) {
        return System.nanoTime();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(2);
    }
  }

  private String report(String scenario, int n, Map<String, Double> m, String settings) {
    StringBuilder sb = new StringBuilder("{\"kind\":\"run\",\"peer\":\"db-scheduler\",\"scenario\":\"")
        .append(scenario).append("\",\"n\":").append(n);
    m.forEach((k, v) -> sb.append(",\"").append(k).append("\":")
        .append(v == Math.rint(v) ? Long.toString(v.longValue()) : String.format(Locale.ROOT, "%.3f", v)));
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    sb.append(",\"settings\":").append(settings)
        .append(",\"java\":\"").append(Runtime.version()).append("\",\"load\":").append(load).append('}');
    return sb.toString();
  }

  /** A fresh schema with db-scheduler's table for one run, and a pool on it; dropped on close. */
  private final class Fresh implements AutoCloseable {
    final String schema = "peer_dbs_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
    final HikariDataSource ds;
    final Connection admin;

    Fresh() throws Exception {
      admin = DriverManager.getConnection(url, user, opt("password", ""));
      try (Statement st = admin.createStatement()) {
        st.execute("CREATE SCHEMA " + schema);
        // db-scheduler's PostgreSQL table (its postgresql_tables.sql).
        st.execute("CREATE TABLE " + table() + " ("
            + " task_name text NOT NULL, task_instance text NOT NULL, task_data bytea,"
            + " execution_time timestamp with time zone NOT NULL, picked boolean NOT NULL, picked_by text,"
            + " last_success timestamp with time zone, last_failure timestamp with time zone,"
            + " consecutive_failures int, last_heartbeat timestamp with time zone, version bigint NOT NULL,"
            + " priority smallint, PRIMARY KEY (task_name, task_instance))");
        st.execute("CREATE INDEX ON " + table() + " (execution_time)");
        st.execute("CREATE INDEX ON " + table() + " (last_heartbeat)");
        st.execute("CREATE INDEX ON " + table() + " (priority DESC, execution_time ASC)");
      }
      HikariConfig c = new HikariConfig();
      c.setJdbcUrl(url);
      c.setUsername(user);
      c.setPassword(opt("password", ""));
      c.setMaximumPoolSize(intOpt("pool", 24));
      ds = new HikariDataSource(c);
    }

    String table() {
      return schema + ".scheduled_tasks";
    }

    com.github.kagkarlsson.scheduler.SchedulerClient client(OneTimeTask<Void> task) {
      return com.github.kagkarlsson.scheduler.SchedulerClient.Builder.create(ds, task).tableName(table()).build();
    }

    long rows() throws Exception {
      try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table())) {
        rs.next();
        return rs.getLong(1);
      }
    }

    @Override
    public void close() throws Exception {
      ds.close();
      try (Statement st = admin.createStatement()) {
        st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
      admin.close();
    }
  }
}
