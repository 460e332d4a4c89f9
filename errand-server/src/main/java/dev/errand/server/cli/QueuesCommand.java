package dev.errand.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code errand queues [pause|resume Q]}: counts by state, or pause and resume a queue. */
@Command(name = "queues", mixinStandardHelpOptions = true, description = "Show queues, or pause or resume one.")
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
}
