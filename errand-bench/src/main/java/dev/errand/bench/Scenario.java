package dev.errand.bench;

import java.util.List;

/**
 * One named workload. A run opens a fresh store from the target for each thing it measures, measures, checks exactly-once delivery before it
 * returns, and throws {@link CorrectnessException} instead of returning numbers when the check fails.
 * Scenarios talk to the store only through core's {@code Errand} facade and the {@code TaskStore} SPI,
 * so every store runs the same code.
 */
interface Scenario {
  String name();

  /** Tasks per run when {@code --n} is not given. */
  int defaultN();

  /** One measurement per variant the scenario runs (most have one). */
  List<Measurement> run(StoreTarget target, BenchSettings settings) throws Exception;
}
