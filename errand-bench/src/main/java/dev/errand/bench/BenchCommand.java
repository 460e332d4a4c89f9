package dev.errand.bench;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code errand bench SCENARIO... --store URL}: runs named scenarios against each store, each run on a
 * fresh store and checked for exactly-once delivery, and prints one JSON line per run, a table, and one
 * JSON summary line (median, min, max) per store, scenario and variant. Exit code 0 when every run
 * passed its check, 2 when any failed (a failed run reports no numbers), 1 on bad usage.
 *
 * <pre>
 * ./errand bench drain --store sqlite: --n 100000 --runs 5
 * ./errand bench all --store sqlite: --store postgres://postgres@127.0.0.1:5432/bench --n 20000
 * ./errand bench drain --store "redis://127.0.0.1:6379/0?durability=relaxed" --n 100000
 * </pre>
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Measures throughput and latency per store, checking every task completed exactly once.")
final class BenchCommand implements Callable<Integer> {
  static final Map<String, Scenario> SCENARIOS = scenarios();

  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "SCENARIO",
      description = "drain, steady, latency, enqueue, backlog, server-drain, relay, inbox, http-target, or all")
  List<String> scenarioNames;

  @Option(names = "--store", paramLabel = "URL",
      description = "store URL, as for errand server; repeat to compare stores (default sqlite: in a temp dir)")
  List<String> stores = new ArrayList<>(List.of("sqlite:"));

  @Option(names = "--n", description = "tasks per run (default per scenario: drain, steady and http-target 100000, "
      + "latency 1000, enqueue 50000, backlog 1000000, server-drain 1000000, workflow 10000)")
  Integer n;

  @Option(names = "--concurrency", defaultValue = "100", description = "worker slots, or enqueuing threads (${DEFAULT-VALUE})")
  int concurrency;

  @Option(names = "--batch", defaultValue = "1000", description = "tasks per batched enqueue (${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--claim-batch", defaultValue = "100", description = "most tasks per claim (${DEFAULT-VALUE})")
  int claimBatch;

  @Option(names = "--payload-bytes", defaultValue = "16", description = "JSON payload size (${DEFAULT-VALUE})")
  int payloadBytes;

  @Option(names = "--runs", defaultValue = "5", description = "measured runs (${DEFAULT-VALUE})")
  int runs;

  @Option(names = "--warmup", defaultValue = "1", description = "unmeasured runs first (${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--rate", defaultValue = "100", description = "latency: tasks per second (${DEFAULT-VALUE})")
  int rate;

  @Option(names = "--producers", defaultValue = "2",
      description = "steady: enqueuing threads; server-drain: enqueuing connections (${DEFAULT-VALUE})")
  int producers;

  @Option(names = "--claims", defaultValue = "200", description = "backlog: timed claims per level (${DEFAULT-VALUE})")
  int claims;

  @Option(names = "--server-jar", defaultValue = "errand-server/target/errand-server.jar",
      description = "the server jar for the HTTP enqueue variants and server-drain, which are skipped if it is missing (${DEFAULT-VALUE})")
  Path serverJar;

  @Option(names = "--server-jvm-options", defaultValue = "errand-server/jvm.options",
      description = "the JVM options file the server child process starts with, as ./errand server does; "
          + "none (or a missing file) for the JVM's own defaults (${DEFAULT-VALUE})")
  String serverJvmOptions;

  @Option(names = "--complete-batch", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "server-drain: the HTTP workers complete each claimed batch with one POST /v1/tasks:complete; "
          + "--no-complete-batch sends one complete per task (${DEFAULT-VALUE})")
  boolean completeBatch;

  @Option(names = "--timeout-s", defaultValue = "600", description = "longest one run may take (${DEFAULT-VALUE})")
  int timeoutSeconds;

  private static Map<String, Scenario> scenarios() {
    Map<String, Scenario> m = new LinkedHashMap<>();
    for (Scenario s : List.of(new DrainScenario(), new SteadyScenario(), new LatencyScenario(),
        new EnqueueScenario(), new BacklogScenario(), new HistoryScenario(), new ServerDrainScenario(),
        new WorkflowScenario(),
        new RelayScenario(), new InboxScenario(),
        new HttpTargetScenario())) {
      m.put(s.name(), s);
    }
    return m;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Scenario> chosen = new ArrayList<>();
    for (String name : scenarioNames) {
      if (name.equals("all")) {
        chosen.addAll(SCENARIOS.values());
      } else if (SCENARIOS.containsKey(name)) {
        chosen.add(SCENARIOS.get(name));
      } else {
        err.println("unknown scenario " + name + "; known: " + SCENARIOS.keySet() + " or all");
        return 1;
      }
    }
    boolean serverScenarios = chosen.stream().anyMatch(c -> c instanceof EnqueueScenario || c instanceof ServerDrainScenario);
    Path jvmOptions = serverJvmOptions.equals("none") ? null : Path.of(serverJvmOptions).toAbsolutePath();
    if (jvmOptions != null && !Files.isRegularFile(jvmOptions)) {
      if (serverScenarios) {
        err.println("bench: no JVM options file at " + serverJvmOptions + "; the server starts with the JVM's own defaults");
      }
      jvmOptions = null;
    }
    BenchSettings base = new BenchSettings(n != null ? n : 1, concurrency, batch, claimBatch, payloadBytes, runs,
        warmup, rate, producers, claims, Duration.ofSeconds(timeoutSeconds),
        Files.isRegularFile(serverJar) ? serverJar.toAbsolutePath() : null, jvmOptions, completeBatch);
    if (base.serverJar() == null && serverScenarios) {
      err.println("bench: no server jar at " + serverJar + "; the HTTP enqueue variants and server-drain are skipped");
    }
    List<StoreTarget> targets;
    try {
      targets = stores.stream().map(StoreTarget::of).toList();
    } catch (IllegalArgumentException e) {
      err.println("bench: " + e.getMessage());
      return 1;
    }
    Report report = new Report(out, Machine.current(), base);
    for (StoreTarget target : targets) {
      String version;
      try {
        version = target.version();
      } catch (RuntimeException e) {
        // An unreachable store fails its own scenarios; the other stores still run and report.
        for (Scenario scenario : chosen) {
          report.failed(target.url(), scenario.name(), 0, "store unreachable: " + e);
        }
        continue;
      }
      for (Scenario scenario : chosen) {
        BenchSettings s = base.withN(n != null ? n : scenario.defaultN());
        runScenario(report, err, target, version, scenario, s);
      }
    }
    report.finish();
    for (String f : report.failures()) {
      err.println("FAILED " + f);
    }
    return report.failures().isEmpty() ? 0 : 2;
  }

  private static void runScenario(Report report, PrintWriter err, StoreTarget target, String version,
      Scenario scenario, BenchSettings s) throws Exception {
    for (int i = -s.warmup(); i < s.runs(); i++) {
      String label = i < 0 ? "warm-up " + (i + s.warmup() + 1) + "/" + s.warmup() : "run " + (i + 1) + "/" + s.runs();
      err.printf("bench: %s %s n=%d %s%n", target.url(), scenario.name(), s.n(), label);
      err.flush();
      List<Measurement> measured;
      try {
        measured = scenario.run(target, s);
      } catch (CorrectnessException e) {
        report.failed(target.url(), scenario.name(), i, e.getMessage());
        return; // a scenario that broke the contract once has no numbers worth taking
      } catch (Exception e) {
        // The store or a child process failed (a dropped connection, a server that would not start): this
        // scenario ends without numbers, and the others still run and report.
        report.failed(target.url(), scenario.name(), i, "run failed: " + e);
        return;
      }
      if (i >= 0) {
        for (Measurement m : measured) {
          report.add(new Report.Run(target.url(), version, i, m, s.withN((int) m.n())));
        }
      }
    }
  }
}
