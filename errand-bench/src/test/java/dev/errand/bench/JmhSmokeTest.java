package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The JMH benchmarks were generated into the build and each one runs: one short iteration of every
 * benchmark in this JVM (no fork, no warm-up). The numbers mean nothing here; a benchmark that throws
 * (such as the runtime one finding a completion never written) fails the run.
 */
class JmhSmokeTest {
  @Test
  void everyBenchmarkRunsOnce() throws Exception {
    Options options = new OptionsBuilder()
        .include("dev\\.errand\\.bench\\.jmh\\..*")
        .param("payloadBytes", "64")
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(100))
        .timeUnit(TimeUnit.NANOSECONDS)
        .shouldFailOnError(true)
        .build();

    Collection<RunResult> results = new Runner(options).run();

    assertThat(results).extracting(r -> r.getParams().getBenchmark().replaceFirst(".*\\.jmh\\.", ""))
        .containsExactlyInAnyOrder("JsonBenchmark.check", "JsonBenchmark.decode", "JsonBenchmark.encode",
            "RuntimeBenchmark.runtime", "RuntimeBenchmark.storeCallsOnly",
            "TaskIdBenchmark.generate", "TaskIdBenchmark.handWrittenCheck", "TaskIdBenchmark.parse",
            "TaskIdBenchmark.regexMatches");
    assertThat(results).allSatisfy(r -> assertThat(r.getPrimaryResult().getScore()).isPositive());
  }
}
