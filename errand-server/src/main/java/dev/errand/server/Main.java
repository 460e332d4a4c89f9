package dev.errand.server;

import dev.errand.server.cli.Commands;
import picocli.CommandLine;

/** The {@code errand} command: {@code errand server} and the client commands. See {@code errand --help}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(Commands.commandLine().execute(args));
  }
}
