package dev.errand.bench;

import java.util.Arrays;
import java.util.List;

/** Medians and percentiles; nearest-rank, so every value reported was actually observed. */
final class Stats {
  private Stats() {}

  static double median(List<Double> values) {
    return percentile(values.stream().mapToDouble(Double::doubleValue).toArray(), 50);
  }

  /** The nearest-rank {@code p}th percentile of {@code values} (p in 0..100); sorts a copy. */
  static double percentile(double[] values, double p) {
    if (values.length == 0) {
      throw new IllegalArgumentException("no values");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sortedPercentile(sorted, p);
  }

  static double sortedPercentile(double[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /** Milliseconds from nanoseconds. */
  static double ms(long nanos) {
    return nanos / 1_000_000.0;
  }

  /** Tasks per second for {@code n} tasks in {@code nanos}. */
  static double perSecond(long n, long nanos) {
    return n * 1e9 / Math.max(1, nanos);
  }
}
