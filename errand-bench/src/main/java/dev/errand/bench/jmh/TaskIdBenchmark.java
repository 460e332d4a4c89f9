package dev.errand.bench.jmh;

import dev.errand.core.TaskId;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Task ids on the hot path: every enqueue without an id generates one, and every row a claim returns
 * is turned back into a {@link TaskId}, whose constructor matches a regular expression. Compares that
 * check ({@code parse}, and the bare {@code regexMatches}) with {@link TaskIdFormat#isValid}, a
 * hand-written check of the same rule, to size what replacing the regex would save.
 *
 * <pre>./errand bench jmh TaskIdBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TaskIdBenchmark {
  /** The rule {@link TaskId} documents, compiled here as its constructor compiles it. */
  private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

  /** A generated id (UUIDv7, 36 characters), the common case a claim reads back. */
  String uuid;

  @Setup
  public void setUp() {
    uuid = TaskId.generate().value();
    if (!TaskIdFormat.isValid(uuid) || !FORMAT.matcher(uuid).matches()) {
      throw new IllegalStateException("the checks disagree on " + uuid);
    }
  }

  /** A new UUIDv7 id: the lock, SecureRandom and the hex formatting, then the constructor's check. */
  @Benchmark
  public TaskId generate() {
    return TaskId.generate();
  }

  /** {@code TaskId.of}, as a store calls it for every claimed row. */
  @Benchmark
  public TaskId parse() {
    return TaskId.of(uuid);
  }

  /** The regular expression alone. */
  @Benchmark
  public boolean regexMatches() {
    return FORMAT.matcher(uuid).matches();
  }

  /** The hand-written check alone. */
  @Benchmark
  public boolean handWrittenCheck() {
    return TaskIdFormat.isValid(uuid);
  }
}
