package dev.errand.bench;

import dev.errand.core.spi.TaskStoreProvider;
import dev.errand.store.postgres.PostgresStore;
import dev.errand.store.redis.Durability;
import dev.errand.store.redis.RedisStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * One {@code --store} URL, the adapter every scenario runs through: it opens a fresh store for each run
 * so no run inherits another's tasks, and names the store's version for the report.
 *
 * <p>{@code sqlite:DIR} runs each store in a new directory under DIR (a temporary directory when DIR is
 * empty), deleted after the run. {@code postgres://...} runs each store in a new schema of that
 * database, dropped after the run.
 */
interface StoreTarget {
  /** The URL as given. */
  String url();

  /** The store's kind and version, such as {@code sqlite 3.50.3}. */
  String version();

  /**
   * A place no run has used, not yet opened, so another process (the server) can own it; closing the
   * returned handle removes it.
   */
  FreshLocation freshLocation();

  /** A fresh store, opened in this process. */
  default FreshStore openFresh() {
    FreshLocation location = freshLocation();
    try {
      return new FreshStore(TaskStoreProvider.openUrl(location.url()), location.url(), location);
    } catch (RuntimeException e) {
      location.closeQuietly();
      throw e;
    }
  }

  /** A store URL no run has used, and how to remove what a run left there. */
  record FreshLocation(String url, AutoCloseable cleanup) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      cleanup.close();
    }

    void closeQuietly() {
      try {
        close();
      } catch (Exception ignored) {
        // Best effort: a temporary directory left behind is harmless.
      }
    }
  }

  static StoreTarget of(String url) {
    int colon = url.indexOf(':');
    String scheme = colon < 1 ? "" : url.substring(0, colon).toLowerCase(Locale.ROOT);
    return switch (scheme) {
      case "sqlite" -> new Sqlite(url);
      case "postgres", "postgresql" -> new Postgres(url);
      case "redis", "rediss" -> new Redis(url);
      default -> throw new IllegalArgumentException("the bench knows no fresh-store recipe for " + url
          + " (supported: sqlite:DIR, postgres://USER@HOST:PORT/DB, redis://HOST:PORT/DB)");
    };
  }

  /** A name no run has used: {@code bench_} and random hex, safe as a schema name or a key prefix unquoted. */
  static String freshName() {
    byte[] suffix = new byte[4];
    ThreadLocalRandom.current().nextBytes(suffix);
    return "bench_" + HexFormat.of().formatHex(suffix);
  }

  /** Refuses a URL that names {@code option}: the bench chooses a fresh one for each run. */
  static void requireNoOption(String url, String option, String what, String store) {
    if (url.matches(".*[?&]" + option + "=.*")) {
      throw new IllegalArgumentException("the bench makes a fresh " + what + " for each run; give the " + store
          + " store URL without its " + option + " option");
    }
  }

  /**
   * Redis: a new key prefix per run, its keys deleted after the run. The URL's other options (such as
   * {@code durability}) apply to every run.
   */
  record Redis(String url) implements StoreTarget {
    public Redis {
      requireNoOption(url, "prefix", "key prefix", "Redis");
    }

    @Override
    public String version() {
      try (RedisStore store = RedisStore.builder().url(url).durability(Durability.NONE).prefix("bench_admin").build()) {
        return "redis " + store.serverVersion();
      } catch (RuntimeException e) {
        return "redis (version unknown: " + e.getMessage() + ")";
      }
    }

    @Override
    public FreshLocation freshLocation() {
      String prefix = freshName();
      return new FreshLocation(url + (url.contains("?") ? "&" : "?") + "prefix=" + prefix, () -> {
        try (RedisStore store = RedisStore.builder().url(url).durability(Durability.NONE).prefix(prefix).build()) {
          store.deleteInstallation();
        }
      });
    }
  }

  /** SQLite: a new directory per run. */
  record Sqlite(String url) implements StoreTarget {
    @Override
    public String version() {
      try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:");
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("select sqlite_version()")) {
        rs.next();
        return "sqlite " + rs.getString(1);
      } catch (SQLException e) {
        return "sqlite (version unknown: " + e.getMessage() + ")";
      }
    }

    @Override
    public FreshLocation freshLocation() {
      String base = url.substring(url.indexOf(':') + 1);
      if (base.startsWith("//")) {
        base = base.substring(2);
      }
      try {
        Path dir;
        if (base.isEmpty()) {
          dir = Files.createTempDirectory("errand-bench-");
        } else {
          Files.createDirectories(Path.of(base));
          dir = Files.createTempDirectory(Path.of(base), "run-");
        }
        return new FreshLocation("sqlite:" + dir.toAbsolutePath(), () -> deleteTree(dir));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a directory for a fresh SQLite store under " + url, e);
      }
    }

    private static void deleteTree(Path dir) throws IOException {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * PostgreSQL: a new schema per run, {@code bench_} and random hex, named in the store URL's
   * {@code schema} option so another process (the server) can open it too, and dropped with everything in
   * it after the run. The URL given must not name a schema itself.
   */
  record Postgres(String url) implements StoreTarget {
    public Postgres {
      requireNoOption(url, "schema", "schema", "PostgreSQL");
    }

    @Override
    public String version() {
      return withConnection(c -> {
        try (Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("select current_setting('server_version')")) {
          rs.next();
          return "postgresql " + rs.getString(1);
        }
      });
    }

    @Override
    public FreshLocation freshLocation() {
      return locationOf(freshName());
    }

    private FreshLocation locationOf(String schema) {
      return new FreshLocation(url + (url.contains("?") ? "&" : "?") + "schema=" + schema, () -> withConnection(c -> {
        try (Statement s = c.createStatement()) {
          // The name is ours, bench_ and hex, so it needs no quoting; DROP SCHEMA takes no parameter.
          s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
        return null;
      }));
    }

    /**
     * VACUUM ANALYZE of the schema's tables: what autovacuum does on a server in service (the visibility
     * map for index-only scans, statistics for the planner), done at once so that a test server that
     * runs without autovacuum measures a store in its steady state.
     */
    private void vacuum(String schema) {
      try (PostgresStore admin = PostgresStore.builder().url(url).schema("bench_admin").migrate(false)
          .maximumPoolSize(1).build();
          Connection c = admin.openTransaction()) {
        c.setAutoCommit(true); // VACUUM runs outside a transaction
        try (Statement s = c.createStatement()) {
          s.execute("VACUUM ANALYZE " + schema + ".tasks");
          s.execute("VACUUM ANALYZE " + schema + ".task_errors");
        }
      } catch (SQLException e) {
        throw new IllegalStateException("PostgreSQL at " + url + " failed: " + e.getMessage(), e);
      }
    }

    @Override
    public FreshStore openFresh() {
      String schema = freshName();
      FreshLocation location = locationOf(schema);
      try {
        // Closed-loop enqueues from --concurrency threads queue for the pool's connections; waiting is the point.
        // Its connections carry the schema in their application name, so the run can count their CPU.
        String application = "errand-bench-" + schema;
        PostgresStore store = PostgresStore.builder().url(location.url() + "&ApplicationName=" + application)
            .connectionTimeout(Duration.ofSeconds(60)).build();
        return new FreshStore(store, location.url(), location, () -> vacuum(schema), () -> backendCpu(application));
      } catch (RuntimeException e) {
        location.closeQuietly();
        throw e;
      }
    }

    /**
     * The CPU so far of each backend serving connections named {@code application}, by process id, when
     * the server runs on this machine (its processes are PostgreSQL's in /proc); else empty.
     */
    private Map<Long, Long> backendCpu(String application) {
      Map<Long, Long> cpu = new HashMap<>();
      for (String pid : query("SELECT pid FROM pg_stat_activity WHERE application_name = '" + application + "'")) {
        Path proc = Path.of("/proc", pid);
        try {
          if (!Files.readString(proc.resolve("comm")).strip().equals("postgres")) {
            return Map.of(); // another machine's process ids
          }
          cpu.put(Long.parseLong(pid), ProcStatus.cpuNanos(Files.readString(proc.resolve("stat"))));
        } catch (IOException e) {
          if (!Files.isDirectory(Path.of("/proc", "self"))) {
            return Map.of(); // no /proc here
          }
          // else the backend ended between the query and the read: it is left out
        }
      }
      return cpu;
    }

    /** The first column of every row of {@code sql}, for checks. */
    List<String> query(String sql) {
      return withConnection(c -> {
        List<String> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
          while (rs.next()) {
            rows.add(rs.getString(1));
          }
        }
        return rows;
      });
    }

    /** Runs {@code work} in a transaction on a one-connection store that creates nothing, then commits. */
    private <T> T withConnection(SqlWork<T> work) {
      try (PostgresStore admin = PostgresStore.builder().url(url).schema("bench_admin").migrate(false)
          .maximumPoolSize(1).build();
          Connection c = admin.openTransaction()) {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException e) {
        throw new IllegalStateException("PostgreSQL at " + url + " failed: " + e.getMessage(), e);
      }
    }

    @FunctionalInterface
    private interface SqlWork<T> {
      T run(Connection c) throws SQLException;
    }
  }
}
