package dev.errand.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top {@code errand} command and its subcommands. */
@Command(name = "errand", mixinStandardHelpOptions = true, version = "errand 0.1.0",
    description = "Reliable background tasks: run the server, or talk to a running one.",
    subcommands = {ServerCommand.class, EnqueueCommand.class, StatusCommand.class, TasksCommand.class,
        DeadCommand.class, QueuesCommand.class, SchedulesCommand.class, CommandLine.HelpCommand.class})
public final class Commands {
  private Commands() {}

  /**
   * The command line, printing a failure's message (not its stack trace) and exiting 1, since failures
   * here are configuration errors an operator fixes, such as a bad tokens file or a busy port.
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(Commands.class);
    cl.setExecutionExceptionHandler((e, line, parsed) -> {
      line.getErr().println("errand: " + e.getMessage());
      return 1;
    });
    return cl;
  }
}
