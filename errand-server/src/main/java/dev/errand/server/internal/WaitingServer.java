package dev.errand.server.internal;

import dev.errand.server.ServerConfig;
import io.javalin.Javalin;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;

/**
 * What the server answers while it waits for its store at start: {@code /health/live} is 200 (the
 * process is alive and not stuck), everything else, {@code /health/ready} and the API alike, is 503 with
 * {@code Retry-After}, with the same security headers as ever. It holds the port the real server takes
 * over once the store answers. Thread-safe.
 */
public final class WaitingServer implements AutoCloseable {
  private static final byte[] UP = "{\"status\":\"up\"}".getBytes(StandardCharsets.UTF_8);

  private final Javalin app;

  private WaitingServer(Javalin app) {
    this.app = app;
  }

  /** Listens as {@code config} says (its header deadline and connection limit too). */
  public static WaitingServer start(ServerConfig config) {
    Javalin app = Javalin.create(c -> {
      c.showJavalinBanner = false;
      c.startupWatcherEnabled = false;
      c.useVirtualThreads = true;
      c.jetty.modifyServer(server -> server.setStopTimeout(Duration.ofSeconds(1).toMillis()));
      c.jetty.addConnector((server, http) -> {
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.addBean(new HeaderDeadline(config.headerTimeout(), connector.getScheduler()));
        server.addBean(new ConnectionLimit(config.maxConnections(), connector));
        return connector;
      });
    });
    app.before(new SecurityHeaders());
    app.before(ctx -> {
      if (ctx.path().equals("/health/live")) {
        Responses.json(ctx, 200, UP);
      } else {
        ProblemMapper.write(ctx, 503, "the server is waiting for its store to answer", List.of(),
            Map.of("Retry-After", ProblemMapper.RETRY_AFTER_SECONDS));
      }
      ctx.skipRemainingHandlers();
    });
    app.start();
    return new WaitingServer(app);
  }

  /** The port listened on (the chosen one when configured with 0). */
  public int port() {
    return app.port();
  }

  /** Stops listening, so that the real server can take the port. */
  @Override
  public void close() {
    app.stop();
  }
}
