package dev.errand.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code errand schedules [put NAME JSON | delete NAME | enable NAME | disable NAME | run NAME]}: the
 * server's schedules with their source and next and last fire times, or put, delete, enable or disable a
 * schedule kept in the store, or enqueue a schedule's task now.
 */
@Command(name = "schedules", mixinStandardHelpOptions = true,
    description = "List the server's schedules with their source and next and last fire times, or put or delete one.")
final class SchedulesCommand implements Callable<Integer> {
  @Mixin
  ClientOptions client;

  @Override
  public Integer call() throws Exception {
    return client.call("GET", "/v1/schedules", null);
  }

  @Command(name = "put", mixinStandardHelpOptions = true,
      description = "Create or replace a schedule kept in the store, so every server on it runs it.")
  int put(@Mixin ClientOptions options, @Parameters(paramLabel = "NAME") String name,
      @Parameters(paramLabel = "JSON", description = "The schedule, as PUT /v1/schedules/{name} takes it, such as "
          + "'{\"cron\": \"0 3 * * *\", \"task\": {\"type\": \"report\"}}'.") String json) throws Exception {
    // Sent as given: the server checks it and names every bad field.
    return options.call("PUT", "/v1/schedules/" + ClientOptions.segment(name), json);
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete a schedule kept in the store; tasks already enqueued stay.")
  int delete(@Mixin ClientOptions options, @Parameters(paramLabel = "NAME") String name) throws Exception {
    return options.call("DELETE", "/v1/schedules/" + ClientOptions.segment(name), null);
  }

  @Command(name = "enable", mixinStandardHelpOptions = true,
      description = "Enable a schedule kept in the store: it fires again from its next tick.")
  int enable(@Mixin ClientOptions options, @Parameters(paramLabel = "NAME") String name) throws Exception {
    return options.call("POST", "/v1/schedules/" + ClientOptions.segment(name) + "/enable", null);
  }

  @Command(name = "disable", mixinStandardHelpOptions = true,
      description = "Disable a schedule kept in the store: it keeps its definition and fires no tick until enabled.")
  int disable(@Mixin ClientOptions options, @Parameters(paramLabel = "NAME") String name) throws Exception {
    return options.call("POST", "/v1/schedules/" + ClientOptions.segment(name) + "/disable", null);
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Enqueue the schedule's task now, once, besides its ticks; prints the task.")
  int run(@Mixin ClientOptions options, @Parameters(paramLabel = "NAME") String name) throws Exception {
    return options.call("POST", "/v1/schedules/" + ClientOptions.segment(name) + "/run", null);
  }
}
