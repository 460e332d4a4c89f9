package dev.errand.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the tests that run child JVMs ({@link DrainWorker}, {@link SchedulerNode}) on one schema: a
 * migrated schema per test with the {@code runs} table the workers record each run in, the children's
 * logs in a temporary directory, and every child still running killed after the test.
 */
abstract class MultiProcessTest {
  private final String purpose;

  @TempDir
  Path logs;

  protected TestSchema db;
  protected final List<Process> workers = new ArrayList<>();

  MultiProcessTest(String purpose) {
    this.purpose = purpose;
  }

  @BeforeEach
  void createSchema() throws Exception {
    db = TestSchema.create(purpose);
    db.newStore(); // migrates; the workers start with migrate(false)
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + db.name() + ".runs (task_id text NOT NULL, worker_id text NOT NULL,"
          + " attempt int NOT NULL, PRIMARY KEY (task_id, attempt))");
    }
  }

  @AfterEach
  void stopWorkers() {
    workers.forEach(Process::destroyForcibly);
    if (db != null) {
      db.close();
    }
  }

  /** Starts a worker JVM and waits until it prints {@code started}; {@code extra} are more arguments. */
  protected Process startWorker(String workerId, String... extra) throws Exception {
    Process p = launch(List.of("-Xmx256m"), DrainWorker.class, workerId, extra);
    awaitStarted(p, workerId);
    return p;
  }

  /**
   * Starts {@code main} in a new JVM (this test's java and class path, and {@code jvmOptions}) with the
   * arguments url, schema, {@code id} and {@code extra}, without waiting for it. Its output goes to
   * {@code <id>.log}.
   */
  protected Process launch(List<String> jvmOptions, Class<?> main, String id, String... extra) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    // Output goes to a file, not a pipe: a pipe nobody drains would block the child once it is full.
    Path output = logs.resolve(id + ".log");
    List<String> command = new ArrayList<>(List.of(java.toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName(), TestDatabase.URL, db.name(),
        id));
    command.addAll(List.of(extra));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
  }

  /** Whether the child {@code id} has printed {@code started} and still runs. */
  protected boolean started(Process p, String id) throws Exception {
    return p.isAlive() && Files.readAllLines(logs.resolve(id + ".log")).contains("started");
  }

  /** Waits until the child {@code id} has printed {@code started}; fails at once if it died. */
  protected void awaitStarted(Process p, String id) {
    Path output = logs.resolve(id + ".log");
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      assertThat(p.isAlive()).as("%s is running: %s", id, Files.readString(output)).isTrue();
      assertThat(Files.readAllLines(output)).contains("started");
    });
  }

  /** The single number {@code sqlWithSchema} returns, its {@code %s} placeholders the schema's name. */
  protected long count(String sqlWithSchema) throws Exception {
    try (Connection c = TestDatabase.connect(); PreparedStatement ps = c.prepareStatement(
        String.format(sqlWithSchema, db.name())); ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
