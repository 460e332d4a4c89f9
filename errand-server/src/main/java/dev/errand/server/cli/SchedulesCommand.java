package dev.errand.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code errand schedules}: the server's schedules with their next and last fire times. */
@Command(name = "schedules", mixinStandardHelpOptions = true,
    description = "List the server's schedules with their next and last fire times.")
final class SchedulesCommand implements Callable<Integer> {
  @Mixin
  ClientOptions client;

  @Override
  public Integer call() throws Exception {
    return client.call("GET", "/v1/schedules", null);
  }
}
