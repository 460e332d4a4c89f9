package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HandoffsTest {
  @Test
  void timesEachHandOffFromTheUnparkToTheWokenThreadRunning() throws Exception {
    long start = System.nanoTime();
    Handoffs.Times t = Handoffs.measure(200, 500_000);
    double elapsedMs = Stats.ms(System.nanoTime() - start);

    // 200 paced hand-offs take at least their 200 pauses; each took some time, and never longer than the whole probe
    assertThat(elapsedMs).isGreaterThanOrEqualTo(200 * 0.5);
    assertThat(t.p50Ms()).isPositive();
    assertThat(t.p99Ms()).isGreaterThanOrEqualTo(t.p50Ms());
    assertThat(t.maxMs()).isGreaterThanOrEqualTo(t.p99Ms()).isLessThan(elapsedMs);
  }
}
