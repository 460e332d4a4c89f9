package dev.errand.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code errand tasks [--state ..] [--queue ..] [--created-after ..]}: GET /v1/tasks, newest first. */
@Command(name = "tasks", mixinStandardHelpOptions = true, description = "List tasks, newest first.")
final class TasksCommand implements Callable<Integer> {
  @Mixin
  ClientOptions client;

  @Option(names = "--state", description = "SCHEDULED, READY, RUNNING, RETRYING, SUCCEEDED, DEAD or CANCELLED.")
  String state;

  @Option(names = "--queue", description = "Only this queue.")
  String queue;

  @Option(names = "--type", description = "Only this type.")
  String type;

  @Option(names = "--limit", description = "Page size, 1..1000 (default 50).")
  String limit;

  @Option(names = "--cursor", description = "The 'next' value of the previous page.")
  String cursor;

  @Option(names = "--created-after", description = "Only tasks created at or after this RFC 3339 time.")
  String createdAfter;

  @Option(names = "--created-before", description = "Only tasks created before this RFC 3339 time.")
  String createdBefore;

  @Override
  public Integer call() throws Exception {
    return client.call("GET", "/v1/tasks" + ClientOptions.query(ClientOptions.params(
        "state", state, "queue", queue, "type", type, "limit", limit, "cursor", cursor, "created_after", createdAfter,
        "created_before", createdBefore)), null);
  }
}
