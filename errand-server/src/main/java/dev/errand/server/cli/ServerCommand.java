package dev.errand.server.cli;

import dev.errand.core.Errand;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.ErrandListener;
import dev.errand.server.ErrandServer;
import dev.errand.server.Observability;
import dev.errand.server.ServerConfig;
import dev.errand.server.Tokens;
import dev.errand.server.internal.ConfigFile;
import dev.errand.server.internal.StoreCircuit;
import dev.errand.server.internal.RabbitService;
import dev.errand.server.metrics.RabbitMeters;
import dev.errand.server.httptarget.TargetRuntime;
import dev.errand.httptarget.HttpTarget;
import dev.errand.httptarget.TargetPolicy;
import dev.errand.httptarget.WebhookSigner;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code errand server}: opens the store, serves the HTTP API and waits for SIGTERM or Ctrl-C, then stops
 * listening, closes the store and exits 0. Workers are remote (the HTTP worker protocol), so no handler
 * runs here; the server runs only the tasks of kind http on its target queues (see {@link TargetRuntime}). Every option defaults to its {@code ERRAND_*} environment variable ({@link EnvironmentDefaults}),
 * and the server logs to stdout.
 */
@Command(name = "server", mixinStandardHelpOptions = true, defaultValueProvider = EnvironmentDefaults.class,
    description = "Run the Errand HTTP API and worker protocol. Every option can be set by its environment variable: "
        + "--max-payload by ERRAND_MAX_PAYLOAD, and so on.")
final class ServerCommand implements Callable<Integer> {
  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Address to listen on; beyond loopback, tokens are required (env ERRAND_HOST, default ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "7700",
      description = "Port to listen on, 0 for any free one (env ERRAND_PORT, default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--data", defaultValue = "./errand-data",
      description = "Directory of the embedded SQLite store (env ERRAND_DATA, default ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--store",
      description = "Store URL such as sqlite:./errand-data, postgres://user@host/db or redis://host:6379/0 (env ERRAND_STORE, default sqlite:<data>).")
  String store;

  @Option(names = "--store-wait", defaultValue = "5m", converter = DurationConverter.class,
      description = "How long to wait at start for a store that does not answer, trying again with backoff while "
          + "/health/live answers 200 and the rest 503, such as 30s or 5m (env ERRAND_STORE_WAIT, default ${DEFAULT-VALUE}); "
          + "then the server exits 1.")
  Duration storeWait;

  @Option(names = "--tokens-file",
      description = "File of bearer tokens, one 'TOKEN ROLE [queues=billing,mail.*]' per line, role reader, producer, worker or admin (env ERRAND_TOKENS_FILE). "
          + "ERRAND_TOKENS may hold more entries, separated by commas.")
  Path tokensFile;

  @Option(names = "--max-payload", defaultValue = "1MiB", converter = Sizes.class,
      description = "Largest task payload or result, such as 1MiB or 65536 (env ERRAND_MAX_PAYLOAD, default ${DEFAULT-VALUE}).")
  long maxPayload;

  @Option(names = "--max-wait", defaultValue = "60",
      description = "Longest claim long poll in seconds a worker may ask for (env ERRAND_MAX_WAIT, default ${DEFAULT-VALUE}).")
  int maxWait;

  @Option(names = "--header-timeout", defaultValue = "10s", converter = DurationConverter.class,
      description = "Longest time a connection may take to send a request's headers, such as 10s (env ERRAND_HEADER_TIMEOUT, "
          + "default ${DEFAULT-VALUE}); a slower one is closed.")
  Duration headerTimeout;

  @Option(names = "--max-connections", defaultValue = "1024",
      description = "Most connections open at once; more wait to be accepted (env ERRAND_MAX_CONNECTIONS, default ${DEFAULT-VALUE}).")
  int maxConnections;

  @Option(names = "--retention", defaultValue = "7d", converter = DurationConverter.class,
      description = "How long succeeded and cancelled tasks are kept, such as 7d or 12h (env ERRAND_RETENTION, default ${DEFAULT-VALUE}). "
          + "Dead tasks stay until purged.")
  Duration retention;

  @Option(names = "--log-events", defaultValue = "false",
      description = "Log one JSON line per task state change, logger dev.errand.server.events (env ERRAND_LOG_EVENTS, default ${DEFAULT-VALUE}).")
  boolean logEvents;

  @Option(names = "--config",
      description = "JSON file of queue limits, schedules, task types, RabbitMQ and redacted target headers "
          + "(env ERRAND_CONFIG); see the README for its shape. Its limits are set in the store at start; its "
          + "schedules run on this server.")
  Path configFile;

  @Option(names = "--log-format", defaultValue = "plain",
      description = "Log lines on stdout as plain text or as one JSON object a line: ${COMPLETION-CANDIDATES} "
          + "(env ERRAND_LOG_FORMAT, default ${DEFAULT-VALUE}).")
  LogFormat logFormat;

  @Option(names = "--target-queues", defaultValue = "http",
      description = "Queues whose HTTP-target tasks this server calls itself, separated by commas, each with an optional "
          + ":CONCURRENCY such as http,webhooks:16; empty runs none (env ERRAND_TARGET_QUEUES, default ${DEFAULT-VALUE}).")
  String targetQueues;

  @Option(names = "--target-concurrency", defaultValue = "64",
      description = "Requests at once per target queue on this server, unless the queue names its own "
          + "(env ERRAND_TARGET_CONCURRENCY, default ${DEFAULT-VALUE}).")
  int targetConcurrency;

  @Option(names = {"--allow-targets", "--allow-target"}, split = ",",
      description = "A host name (or *.suffix), address or CIDR range targets may reach although it is not public; "
          + "repeatable (env ERRAND_ALLOW_TARGETS, separated by commas). By default only public addresses.")
  List<String> allowTargets = new ArrayList<>();

  @Option(names = "--webhook-keys-file",
      description = "File of webhook signing keys, one 'KEY_ID SECRET' a line (base64, optionally whsec_), the last "
          + "signs (env ERRAND_WEBHOOK_KEYS_FILE). Without it target requests are not signed.")
  Path webhookKeysFile;

  @Option(names = "--target-max-redirects", defaultValue = "0",
      description = "Redirects a target attempt follows, each hop checked like the first (env ERRAND_TARGET_MAX_REDIRECTS, "
          + "default ${DEFAULT-VALUE}: none).")
  int targetMaxRedirects;

  @Option(names = "--redact-headers", split = ",", defaultValue = "authorization",
      description = "Target headers whose values the API and the dashboard never show, besides each task's own "
          + "secretHeaders, separated by commas; repeatable (env ERRAND_REDACT_HEADERS, default ${DEFAULT-VALUE}). "
          + "The config file's targets.redactHeaders adds more. Applies to every task read, stored ones included.")
  List<String> redactHeaders = new ArrayList<>();

  /** How often finished tasks past their retention are deleted. */
  static final Duration PRUNE_INTERVAL = Duration.ofMinutes(1);

  /**
   * The server's Errand: workers are remote (the HTTP worker protocol), so it runs none; it runs the
   * schedules of the config file and those kept in the store (put over the API by any server on it), and
   * prunes finished tasks past {@code retention}.
   */
  static Errand serverErrand(TaskStore store, long maxPayload, Duration retention, Duration pruneInterval) {
    return serverErrand(store, maxPayload, retention, pruneInterval, ErrandListener.NONE, null);
  }

  /** @param file the config file, whose type defaults go on the builder, or null */
  static Errand serverErrand(TaskStore store, long maxPayload, Duration retention, Duration pruneInterval,
      ErrandListener listener, ConfigFile file) {
    return serverErrand(store, maxPayload, retention, pruneInterval, listener, file, TargetRuntime.NONE, null);
  }

  /** As above, and calling the HTTP targets of {@code targets}' queues, metered into {@code registry}. */
  static Errand serverErrand(TaskStore store, long maxPayload, Duration retention, Duration pruneInterval,
      ErrandListener listener, ConfigFile file, TargetRuntime targets, MeterRegistry registry) {
    Errand.Builder b = Errand.builder().store(store).maxPayloadBytes(maxPayload).retention(retention)
        .pruneInterval(pruneInterval).listener(listener).runSchedules(true);
    if (file != null) {
      file.applyTo(b);
    }
    return targets.applyTo(b, registry != null ? registry : new SimpleMeterRegistry()).build().start();
  }

  /** The target runtime the options ask for; a bad option stops the server with its name. */
  TargetRuntime targetRuntime() throws IOException {
    WebhookSigner signer = webhookKeysFile != null ? WebhookSigner.read(webhookKeysFile) : null;
    return new TargetRuntime(TargetRuntime.parseQueues(targetQueues, targetConcurrency), TargetPolicy.allowing(allowTargets),
        signer, targetMaxRedirects);
  }

  @Override
  public Integer call() throws Exception {
    logFormat.apply(); // first: nothing may log before the format is set
    // Before start-up, so that a SIGTERM while starting (as early as a container's stop) still ends in
    // the graceful stop below, once started, rather than in the JVM's exit 143 without one.
    CountDownLatch stop = StopSignals.install();
    Tokens tokens = tokens();
    String url = store != null && !store.isBlank() ? store : "sqlite:" + data;
    ServerConfig listen = new ServerConfig(host, port, maxPayload, tokens, maxWait, StoreUrls.redact(url),
        headerTimeout, maxConnections);
    ErrandServer.requireTokensBeyondLoopback(listen);
    ConfigFile file = configFile != null ? ConfigFile.read(configFile, maxPayload) : null;
    listen = listen.withRedactHeaders(redactHeaders(file));
    TargetRuntime targets = targetRuntime();
    LoggerFactory.getLogger(ServerCommand.class).debug("errand-server targets: queues {}, reaching {}, {}, {} redirects",
        targets.queues(), targets.policy(), targets.signer() == null ? "unsigned" : targets.signer(), targets.maxRedirects());
    StoreWait.Opened opened = StoreWait.open(url, listen, storeWait, stop);
    if (opened == null) {
      return 0; // SIGTERM while waiting for the store: nothing was started
    }
    // The server takes over the port the waiting answers were given on, if it had to wait.
    ServerConfig config = opened.port() < 0 ? listen : listen.withPort(opened.port());
    Observability observability = Observability.create(logEvents);
    // The circuit answers at once while the store is known to be unreachable; timed outside it, so that
    // those answers count as store errors too.
    TaskStore taskStore = observability.timed(StoreCircuit.around(opened.store()));
    Errand errand = serverErrand(taskStore, maxPayload, retention, PRUNE_INTERVAL, observability.listener(), file,
        targets, observability.registry());
    ErrandServer server;
    RabbitService rabbit = null;
    try {
      if (file != null) {
        file.applyTo(errand);
      }
      server = ErrandServer.start(config, errand, observability);
      if (file != null && file.rabbitmq() != null) {
        rabbit = RabbitService.start(file.rabbitmq(), errand, maxPayload, new RabbitMeters(observability.registry()));
        observability.rabbitStatus(rabbit::status);
      }
    } catch (RuntimeException e) {
      errand.close();
      throw e;
    }
    RabbitService rabbitmq = rabbit;
    // One graceful stop, run once: after SIGTERM or Ctrl-C by this thread, which then exits 0; on any
    // other way out of the JVM (SIGHUP, an exit elsewhere) by the shutdown hook, which waits for it.
    FutureTask<Void> shutdown = new FutureTask<>(() -> {
      server.close();
      if (rabbitmq != null) {
        rabbitmq.close(); // inboxes stop taking messages in, the relay lets go of its batch
      }
      errand.close();
      return null;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      shutdown.run();
      try {
        shutdown.get();
      } catch (InterruptedException | ExecutionException e) {
        // the JVM is exiting either way
      }
    }, "errand-shutdown"));
    stop.await();
    shutdown.run();
    shutdown.get();
    return 0;
  }

  /** {@code --redact-headers} and the config file's {@code targets.redactHeaders}. */
  Set<String> redactHeaders(ConfigFile file) {
    Set<String> names = new TreeSet<>();
    for (String name : redactHeaders) {
      String n = name.trim();
      if (n.isEmpty()) {
        continue;
      }
      if (!HttpTarget.isHeaderName(n)) {
        throw new IllegalArgumentException("--redact-headers: not a header name: " + name);
      }
      names.add(n.toLowerCase(Locale.ROOT));
    }
    if (file != null) {
      names.addAll(file.redactHeaders());
    }
    return names;
  }

  private Tokens tokens() throws IOException {
    StringBuilder text = new StringBuilder();
    if (tokensFile != null) {
      text.append(Files.readString(tokensFile, StandardCharsets.UTF_8)).append('\n');
    }
    String env = System.getenv("ERRAND_TOKENS");
    if (env != null) {
      text.append(env);
    }
    return Tokens.parse(text.toString(), tokensFile != null ? "tokens file " + tokensFile + " or ERRAND_TOKENS" : "ERRAND_TOKENS");
  }
}
