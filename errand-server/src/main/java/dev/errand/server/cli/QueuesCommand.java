package dev.errand.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code errand queues [pause|resume|limits Q]}: counts by state and limits, or pause, resume or limit a
 * queue.
 */
@Command(name = "queues", mixinStandardHelpOptions = true,
    description = "Show queues, or pause, resume or limit one.")
final class QueuesCommand implements Callable<Integer> {
  @Mixin
  ClientOptions client;

  @Override
  public Integer call() throws Exception {
    return client.call("GET", "/v1/queues", null);
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Stop handing out the queue's tasks.")
  int pause(@Mixin ClientOptions options, @Parameters(paramLabel = "QUEUE") String queue) throws Exception {
    return options.call("POST", "/v1/queues/" + ClientOptions.segment(queue) + "/pause", null);
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Hand out the queue's tasks again.")
  int resume(@Mixin ClientOptions options, @Parameters(paramLabel = "QUEUE") String queue) throws Exception {
    return options.call("POST", "/v1/queues/" + ClientOptions.segment(queue) + "/resume", null);
  }

  @Command(name = "limits", mixinStandardHelpOptions = true,
      description = "Set the queue's cluster-wide limits; with no option, clear them.")
  int limits(@Mixin ClientOptions options, @Parameters(paramLabel = "QUEUE") String queue,
      @Option(names = "--max-running", description = "At most this many RUNNING at once.") Integer maxRunning,
      @Option(names = "--rate", description = "Tasks per second (with --burst).") Double rate,
      @Option(names = "--burst", description = "Tokens the bucket holds (with --rate).") Integer burst)
      throws Exception {
    // The numbers are parsed by picocli, so they print as plain JSON numbers; the server validates them.
    String body = "{\"maxRunning\":" + maxRunning + ",\"ratePerSecond\":" + rate + ",\"burst\":" + burst + "}";
    return options.call("PUT", "/v1/queues/" + ClientOptions.segment(queue) + "/limits", body);
  }
}
