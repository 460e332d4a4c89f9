package dev.errand.bench;

import java.util.Arrays;
import picocli.CommandLine;

/** Entry point of the bench jar; {@code ./errand bench ...} passes its arguments with the word bench first. */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) {
    String[] rest = args.length > 0 && args[0].equals("bench") ? Arrays.copyOfRange(args, 1, args.length) : args;
    System.exit(new CommandLine(new BenchCommand()).execute(rest));
  }
}
