package dev.errand.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code errand status ID}: GET /v1/tasks/ID. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show a task: state, attempts, result or last error.")
final class StatusCommand implements Callable<Integer> {
  @Mixin
  ClientOptions client;

  @Parameters(index = "0", paramLabel = "ID", description = "The task id.")
  String id;

  @Override
  public Integer call() throws Exception {
    return client.call("GET", "/v1/tasks/" + ClientOptions.segment(id), null);
  }
}
