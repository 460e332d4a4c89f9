package dev.errand.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.errand.core.Json;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Collects the runs of one invocation and prints them: one JSON line per run as it ends (so a long
 * invocation leaves its results behind even if stopped), then a table and one JSON summary line per
 * store, scenario and variant with each metric's median and spread, then, when several stores ran,
 * the ratio of each store's headline median to the first store's. Not thread-safe; the command calls
 * it from one thread.
 */
final class Report {
  /** One measured run. */
  record Run(String store, String storeVersion, int index, Measurement measurement, BenchSettings settings) {}

  private final PrintWriter out;
  private final Machine machine;
  private final BenchSettings settings;
  private final List<Run> runs = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();

  Report(PrintWriter out, Machine machine, BenchSettings settings) {
    this.out = out;
    this.machine = machine;
    this.settings = settings;
  }

  void add(Run run) {
    runs.add(run);
    Measurement m = run.measurement();
    Map<String, Object> line = header("run", run.store(), run.storeVersion(), m);
    line.put("run", run.index());
    m.metrics().forEach(line::put);
    if (!m.series().isEmpty()) {
      line.put("depth_every_" + SteadyScenario.SAMPLE_MILLIS + "ms", m.series());
    }
    line.put("settings", run.settings().toMap());
    line.put("machine", machine.toMap());
    println(line);
  }

  void failed(String store, String scenario, int index, String why) {
    failures.add(store + " " + scenario + " run " + index + ": " + why);
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("kind", "failure");
    line.put("scenario", scenario);
    line.put("store", store);
    line.put("run", index);
    line.put("error", why);
    line.put("settings", settings.toMap());
    line.put("machine", machine.toMap());
    println(line);
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  /** The table and the summary lines. */
  void finish() {
    Map<List<String>, List<Run>> groups = new LinkedHashMap<>();
    for (Run r : runs) {
      groups.computeIfAbsent(List.of(r.store(), r.measurement().scenario(), r.measurement().variant()),
          k -> new ArrayList<>()).add(r);
    }
    out.println();
    out.printf(Locale.ROOT, "%-28s %-8s %-32s %9s %-20s %12s %12s %12s%n", "store", "scenario", "variant", "n", "metric",
        "median", "min", "max");
    List<Map<String, Object>> summaries = new ArrayList<>();
    for (List<Run> group : groups.values()) {
      Run first = group.get(0);
      Measurement m0 = first.measurement();
      Map<String, Object> line = header("summary", first.store(), first.storeVersion(), m0);
      line.put("runs", group.size());
      for (String metric : m0.metrics().keySet()) {
        List<Double> values = group.stream().map(r -> r.measurement().metrics().get(metric)).toList();
        double median = Stats.median(values);
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        out.printf(Locale.ROOT, "%-28s %-8s %-32s %9d %-20s %12s %12s %12s%n", abbreviate(first.store(), 28), m0.scenario(),
            abbreviate(m0.variant(), 32), m0.n(), metric, number(median), number(min), number(max));
        line.put(metric, median);
        line.put(metric + "_min", min);
        line.put(metric + "_max", max);
      }
      line.put("settings", first.settings().toMap());
      line.put("machine", machine.toMap());
      summaries.add(line);
    }
    out.println();
    summaries.forEach(this::println);
    ratios(summaries);
    out.flush();
  }

  /** Each later store's headline median over the first store's, for the same scenario and variant. */
  private void ratios(List<Map<String, Object>> summaries) {
    if (summaries.isEmpty()) {
      return;
    }
    Object base = summaries.get(0).get("store");
    for (Map<String, Object> s : summaries) {
      if (Objects.equals(s.get("store"), base)) {
        continue;
      }
      for (Map<String, Object> b : summaries) {
        if (Objects.equals(b.get("store"), base) && b.get("scenario").equals(s.get("scenario"))
            && b.get("variant").equals(s.get("variant"))) {
          String metric = headline(b);
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("kind", "ratio");
          line.put("scenario", s.get("scenario"));
          line.put("variant", s.get("variant"));
          line.put("metric", metric);
          line.put("store", s.get("store"));
          line.put("versus", base);
          line.put("ratio", (Double) s.get(metric) / (Double) b.get(metric));
          println(line);
        }
      }
    }
  }

  /**
   * tasks_per_s (msgs_per_s for the RabbitMQ scenarios) or p50_ms where the scenario has it, else its
   * first median latency ({@code *_p50_ms}).
   */
  private static String headline(Map<String, Object> summary) {
    if (summary.containsKey("tasks_per_s")) {
      return "tasks_per_s";
    }
    if (summary.containsKey("msgs_per_s")) {
      return "msgs_per_s";
    }
    if (summary.containsKey("p50_ms")) {
      return "p50_ms";
    }
    return summary.keySet().stream().filter(k -> k.endsWith("_p50_ms")).findFirst().orElseThrow();
  }

  private static Map<String, Object> header(String kind, String store, String version, Measurement m) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("kind", kind);
    line.put("scenario", m.scenario());
    line.put("variant", m.variant());
    line.put("store", store);
    line.put("store_version", version);
    line.put("n", m.n());
    return line;
  }

  private void println(Map<String, Object> line) {
    try {
      out.println(Json.DEFAULT_MAPPER.writeValueAsString(line));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a report line does not encode", e);
    }
    out.flush();
  }

  static String number(double v) {
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.3f", v);
  }

  private static String abbreviate(String s, int width) {
    return s.length() <= width ? s : "…" + s.substring(s.length() - width + 1);
  }
}
