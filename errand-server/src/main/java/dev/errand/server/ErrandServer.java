package dev.errand.server;

import dev.errand.core.Errand;
import dev.errand.server.httptarget.TargetStatsRoutes;
import dev.errand.server.internal.ApiRoute;
import dev.errand.server.internal.Authenticator;
import dev.errand.server.internal.BodylessRoutes;
import dev.errand.server.internal.Redaction;
import dev.errand.server.internal.DeadGroupRoutes;
import dev.errand.server.internal.DueRoutes;
import dev.errand.server.internal.HeaderDeadline;
import dev.errand.server.internal.HealthRoutes;
import dev.errand.server.internal.Limits;
import dev.errand.server.internal.MessageRoutes;
import dev.errand.server.internal.ProblemErrorHandler;
import dev.errand.server.internal.ProblemMapper;
import dev.errand.server.internal.QueueGuard;
import dev.errand.server.internal.QueueRoutes;
import dev.errand.server.internal.Resources;
import dev.errand.server.internal.ScheduleRoutes;
import dev.errand.server.internal.SecurityHeaders;
import dev.errand.server.internal.TaskRoutes;
import dev.errand.server.internal.WorkerRoutes;
import dev.errand.server.dashboard.DashboardRoutes;
import dev.errand.server.events.EventRoutes;
import dev.errand.server.internal.WorkflowRoutes;
import dev.errand.server.metrics.ActivityRoutes;
import dev.errand.server.metrics.MetricsRoutes;
import dev.errand.server.metrics.RabbitRoutes;
import io.javalin.Javalin;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Errand HTTP API over an {@link Errand} facade: the same calls library users make, answered as JSON
 * under {@code /v1}, with errors as RFC 9457 problems. Requests run on virtual threads, so a claim long
 * poll holds no platform thread. The caller owns the Errand and closes it after this server.
 *
 * <pre>{@code
 * try (ErrandServer server = ErrandServer.start(ServerConfig.loopback(0, "memory"), errand)) {
 *   int port = server.port();
 * }
 * }</pre>
 */
public final class ErrandServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ErrandServer.class);

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
  private static final String OPENAPI = "/dev/errand/server/openapi.json";

  private final Javalin app;
  private final List<ApiRoute> routes;
  private final AtomicBoolean stopping;
  private final Runnable stopLongPolls;
  private final String name;

  private ErrandServer(Javalin app, List<ApiRoute> routes, AtomicBoolean stopping, Runnable stopLongPolls, String name) {
    this.app = app;
    this.stopLongPolls = stopLongPolls;
    this.routes = routes;
    this.stopping = stopping;
    this.name = name;
  }

  /**
   * Starts listening and logs one line saying where and on which store.
   *
   * @throws IllegalStateException if asked to bind beyond loopback without tokens
   */
  public static ErrandServer start(ServerConfig config, Errand errand) {
    return start(config, errand, Observability.create(false));
  }

  /**
   * Starts listening with {@code observability} behind {@code /metrics}, {@code /v1/events},
   * {@code /v1/stats} and the dashboard; give the Errand its listener and timed store (see
   * {@link Observability}) so that they count. Closing the server closes it.
   *
   * @throws IllegalStateException if asked to bind beyond loopback without tokens
   */
  public static ErrandServer start(ServerConfig config, Errand errand, Observability observability) {
    requireTokensBeyondLoopback(config);
    String name = "errand-server";
    AtomicBoolean stopping = new AtomicBoolean();
    Limits limits = Limits.forPayload(config.maxPayloadBytes());
    List<ApiRoute> routes = new ArrayList<>();
    TaskRoutes tasks = new TaskRoutes(errand, limits);
    routes.addAll(tasks.routes());
    routes.addAll(new WorkflowRoutes(errand, limits).routes());
    routes.addAll(new QueueRoutes(errand, limits, Clock.systemUTC()).routes());
    routes.addAll(new ScheduleRoutes(errand, limits).routes());
    WorkerRoutes workers = new WorkerRoutes(errand, limits, config.maxWaitSeconds(), observability.workers(),
        observability.events()::progressed);
    routes.addAll(workers.routes());
    routes.addAll(new HealthRoutes(errand).routes());
    observability.watch(errand);
    routes.addAll(new MetricsRoutes(observability::scrape, observability.workers(), observability.throughput()).routes());
    routes.addAll(new EventRoutes(observability.events()).routes());
    routes.addAll(new ActivityRoutes(observability.workers(), observability.activity(), observability.rates()).routes());
    routes.addAll(new DueRoutes(errand).routes());
    routes.addAll(new DeadGroupRoutes(errand).routes());
    routes.addAll(new MessageRoutes(errand, limits).routes());
    routes.addAll(new TargetStatsRoutes(observability.registry()).routes());
    routes.addAll(new RabbitRoutes(observability::rabbitStatus).routes());

    Javalin app = Javalin.create(c -> {
      c.showJavalinBanner = false;
      c.startupWatcherEnabled = false;
      c.useVirtualThreads = true;
      c.http.prefer405over404 = true;
      c.appData(Redaction.KEY, new Redaction(config.redactHeaders()));
      c.http.maxRequestSize = limits.batchBodyBytes(); // bodies are read and limited by Requests
      c.staticFiles.enableWebjars();
      c.jetty.modifyServer(server -> {
        server.setErrorHandler(new ProblemErrorHandler());
        // Graceful stop (Javalin's server has a StatisticsHandler): requests in flight, such as the long
        // polls that close() has just answered, are written out before connections close.
        server.setStopTimeout(STOP_TIMEOUT.toMillis());
      });
      c.jetty.addConnector((server, http) -> {
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        // longer than the longest long poll, so an idle timeout never cuts a claim short
        connector.setIdleTimeout(Duration.ofSeconds(config.maxWaitSeconds() * 2L + 60).toMillis());
        // the idle timeout restarts with every byte, so headers sent slowly need a deadline of their own
        connector.addBean(new HeaderDeadline(config.headerTimeout(), connector.getScheduler()));
        server.addBean(new ConnectionLimit(config.maxConnections(), connector));
        return connector;
      });
    });
    ProblemMapper mapper = new ProblemMapper(name, stopping::get);
    app.exception(Exception.class, mapper);
    app.exception(HttpResponseException.class, mapper);
    app.before(new SecurityHeaders());
    if (!config.tokens().isEmpty()) {
      // Without tokens every route is open (loopback only), and the check would cost each request a
      // second route lookup, which Javalin makes to decide whether before-matched handlers run.
      app.beforeMatched(new Authenticator(config.tokens()));
      app.beforeMatched(new QueueGuard(errand));
    }
    app.beforeMatched(BodylessRoutes.of(Resources.bytes(OPENAPI)));
    List<ApiRoute> all = new ArrayList<>(routes);
    all.addAll(new DashboardRoutes().routes()); // pages, not API: not in routes() or the OpenAPI document
    for (ApiRoute r : all) {
      app.addHttpHandler(r.method(), r.path(), r.handler(), r.roles().toArray(Role[]::new));
      if (r.method() == HandlerType.GET) {
        // Javalin answers a HEAD for a GET route 200 by itself, before any before-matched handler, so
        // the token check would never run. A HEAD route of its own is checked like the GET, and answers
        // with headers only, without running the GET (no store read, no event stream held open).
        app.addHttpHandler(HandlerType.HEAD, r.path(), ctx -> ctx.status(200), r.roles().toArray(Role[]::new));
      }
    }
    app.start();
    ErrandServer server = new ErrandServer(app, List.copyOf(routes), stopping, () -> {
      workers.stop();
      tasks.stop(); // reads waiting for a task's finish
      observability.close(); // ends the event streams, which would otherwise hold the graceful stop
    }, name);
    log.info("{} listening on http://{}:{} with store {} ({}, {} schedules)", name, config.host(), server.port(),
        config.storeLabel(), config.tokens().isEmpty() ? "no auth, loopback only"
            : config.tokens().size() + " bearer tokens", errand.schedules().size());
    return server;
  }

  /**
   * Refuses a configuration that binds beyond loopback without tokens; {@link #start} checks it too, and
   * a command line checks it first so that it fails before opening a store.
   *
   * @throws IllegalStateException with a message saying how to give tokens
   */
  public static void requireTokensBeyondLoopback(ServerConfig config) {
    if (!config.tokens().isEmpty()) {
      return;
    }
    boolean loopback;
    try {
      loopback = true;
      for (InetAddress a : InetAddress.getAllByName(config.host())) {
        loopback &= a.isLoopbackAddress();
      }
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot resolve host " + config.host(), e);
    }
    if (!loopback) {
      throw new IllegalStateException("refusing to listen on " + config.host() + " without bearer tokens: "
          + "anyone who can reach it could run and change tasks. Give tokens with --tokens-file FILE "
          + "(lines of 'TOKEN ROLE', role reader, producer, worker or admin) or ERRAND_TOKENS='TOKEN admin', "
          + "or bind to 127.0.0.1");
    }
  }

  /** The port listened on (the chosen one when configured with 0). */
  public int port() {
    return app.port();
  }

  /** Every API route, as registered. */
  public List<ApiRoute> routes() {
    return routes;
  }

  /** Stops listening; requests in flight (long polls included) are answered 503. */
  @Override
  public void close() {
    if (stopping.compareAndSet(false, true)) {
      stopLongPolls.run();
      app.stop();
      log.info("{} stopped", name);
    }
  }
}
