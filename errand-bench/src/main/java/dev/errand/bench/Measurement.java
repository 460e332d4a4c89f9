package dev.errand.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run of one scenario variant measured, after its correctness check passed.
 *
 * @param variant what the scenario measured, such as {@code java-batch} or {@code backlog-1000000}
 * @param n tasks the variant moved
 * @param metrics named numbers in insertion order; the first is the headline ({@code tasks_per_s} or
 *     {@code p50_ms})
 * @param series samples over time where the scenario has them (steady: queue depth), else empty
 */
record Measurement(String scenario, String variant, long n, Map<String, Double> metrics, List<Long> series) {
  Measurement {
    metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    series = List.copyOf(series);
  }

  Measurement(String scenario, String variant, long n, Map<String, Double> metrics) {
    this(scenario, variant, n, metrics, List.of());
  }
}
