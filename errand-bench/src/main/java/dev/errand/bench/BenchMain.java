package dev.errand.bench;

import java.util.Arrays;
import picocli.CommandLine;

/**
 * Entry point of the bench jar; {@code ./errand bench ...} passes its arguments with the word bench first.
 * {@code bench jmh [JMH options] [regex]} hands the rest to JMH's own command line, which runs the
 * micro-benchmarks of {@code dev.errand.bench.jmh} ({@code -l} lists them, {@code -h} shows its options).
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    String[] rest = args.length > 0 && args[0].equals("bench") ? Arrays.copyOfRange(args, 1, args.length) : args;
    if (rest.length > 0 && rest[0].equals("jmh")) {
      org.openjdk.jmh.Main.main(Arrays.copyOfRange(rest, 1, rest.length));
      return;
    }
    System.exit(new CommandLine(new BenchCommand()).execute(rest));
  }
}
