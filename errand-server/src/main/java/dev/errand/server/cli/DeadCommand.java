package dev.errand.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code errand dead list|replay|purge}: the dead-letter queue. */
@Command(name = "dead", mixinStandardHelpOptions = true, description = "Inspect, replay or purge dead tasks.")
final class DeadCommand {

  /** Which dead tasks a bulk command touches. */
  static final class Filter {
    @Option(names = "--queue", description = "Only this queue.")
    String queue;

    @Option(names = "--type", description = "Only this type.")
    String type;

    String query() {
      return ClientOptions.query(ClientOptions.params("queue", queue, "type", type));
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List dead tasks, newest first.")
  int list(@Mixin ClientOptions client, @Mixin Filter filter,
      @Option(names = "--limit", description = "Page size, 1..1000 (default 50).") String limit) throws Exception {
    return client.call("GET", "/v1/tasks" + ClientOptions.query(ClientOptions.params(
        "state", "DEAD", "queue", filter.queue, "type", filter.type, "limit", limit)), null);
  }

  @Command(name = "replay", mixinStandardHelpOptions = true,
      description = "Run dead tasks again with fresh attempts: one by ID, or all (of a queue or type).")
  int replay(@Mixin ClientOptions client, @Mixin Filter filter,
      @Parameters(arity = "0..1", paramLabel = "ID", description = "One dead task.") String id) throws Exception {
    if (id != null) {
      return client.call("POST", "/v1/tasks/" + ClientOptions.segment(id) + "/replay", null);
    }
    return client.call("POST", "/v1/dead/replay" + filter.query(), null);
  }

  @Command(name = "purge", mixinStandardHelpOptions = true, description = "Delete dead tasks (of a queue or type).")
  int purge(@Mixin ClientOptions client, @Mixin Filter filter) throws Exception {
    return client.call("DELETE", "/v1/dead" + filter.query(), null);
  }
}
