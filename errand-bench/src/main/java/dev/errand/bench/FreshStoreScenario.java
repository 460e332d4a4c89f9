package dev.errand.bench;

import java.util.List;

/** A scenario that measures once per run, on one fresh store. */
abstract class FreshStoreScenario implements Scenario {
  private final String name;
  private final int defaultN;

  FreshStoreScenario(String name, int defaultN) {
    this.name = name;
    this.defaultN = defaultN;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final int defaultN() {
    return defaultN;
  }

  @Override
  public final List<Measurement> run(StoreTarget target, BenchSettings settings) throws Exception {
    try (FreshStore fresh = target.openFresh()) {
      return measure(fresh, settings);
    }
  }

  /** Measures one run on {@code fresh}, which is closed and removed afterwards. */
  abstract List<Measurement> measure(FreshStore fresh, BenchSettings settings) throws Exception;
}
