package dev.errand.store.redis.internal;

import dev.errand.core.StoreUnavailableException;
import dev.errand.core.StoreUnreachableException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The store's Lua scripts: each is common.lua followed by its own file (with workflow.lua between them
 * for the scripts that move workflows on or read them), loaded into the server once and
 * run by its SHA; a server that lost its script cache (restarted, failed over, SCRIPT FLUSH) gets it
 * again on NOSCRIPT. Every call passes the installation's key prefix as its only key. Errors reaching
 * the server become {@link StoreUnavailableException}; an error a script raised is a bug and becomes an
 * {@link IllegalStateException}. Thread-safe; not public API.
 */
public final class Scripts {
  /** The scripts that call workflow.lua's functions: every write that may make a workflow node final, and its reads. */
  private static final Set<String> WITH_WORKFLOWS = Set.of("complete", "sweep", "cancel", "replay", "prune", "wget",
      "wcancel");

  /** Keys and channels as text, values as bytes: every connection of the store speaks this. */
  public static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  private final StatefulRedisConnection<String, byte[]> connection;
  private final RedisCommands<String, byte[]> redis;
  private final Duration timeout;
  private final String prefix;
  private final String common;
  private final String workflow;
  private final Map<String, String> sources = new ConcurrentHashMap<>();
  private final Map<String, String> shas = new ConcurrentHashMap<>();
  private final String storeName;

  public Scripts(StatefulRedisConnection<String, byte[]> connection, Duration timeout, String prefix, String storeName) {
    this.connection = connection;
    this.redis = connection.sync();
    this.timeout = timeout;
    this.prefix = prefix;
    this.storeName = storeName;
    this.common = resource("common");
    this.workflow = resource("workflow");
  }

  /** Runs script {@code name} with {@code args}; its reply as Lettuce decodes it (lists, byte[], Long). */
  @SuppressWarnings("unchecked")
  public <T> T run(String name, Args args) {
    String[] keys = {prefix};
    byte[][] values = args.toArray();
    try {
      String sha = sha(name);
      try {
        return (T) redis.evalsha(sha, ScriptOutputType.MULTI, keys, values);
      } catch (RedisNoScriptException e) {
        return (T) redis.evalsha(load(name), ScriptOutputType.MULTI, keys, values);
      }
    } catch (RedisException e) {
      throw failure(storeName, "script " + name, e);
    }
  }

  /** The SHA of script {@code name}, loading it into Redis the first time. */
  private String sha(String name) {
    String sha = shas.get(name);
    return sha != null ? sha : load(name);
  }

  /** Runs script {@code name}, which answers one integer. */
  public long runForNumber(String name, Args args) {
    Object reply = run(name, args);
    if (reply instanceof java.util.List<?> list) {
      reply = list.getFirst();
    }
    return TaskCodec.number(reply);
  }

  /** Script {@code name} with {@code args} as a command for {@link #dispatch}, not yet sent. */
  public AsyncCommand<String, byte[], List<Object>> command(String name, Args args) {
    String sha;
    try {
      sha = sha(name);
    } catch (RedisException e) {
      throw failure(storeName, "script " + name, e);
    }
    CommandArgs<String, byte[]> commandArgs = new CommandArgs<>(CODEC).add(sha).add(1).addKey(prefix)
        .addValues(args.toArray());
    return new AsyncCommand<>(new Command<>(CommandType.EVALSHA, new NestedMultiOutput<>(CODEC), commandArgs));
  }

  /**
   * Writes {@code commands} in one flush, in order, so that the server reads them together and runs them in
   * one turn of its event loop: with {@code appendfsync always}, under one fsync.
   */
  public void dispatch(List<? extends RedisCommand<String, byte[], ?>> commands) {
    try {
      connection.dispatch(commands);
    } catch (RedisException e) {
      throw failure(storeName, "send scripts", e);
    }
  }

  /**
   * The reply of script {@code name} sent with {@link #dispatch}, as {@link #run} gives it; a server that
   * lost its script cache ran nothing, so the script is run again the ordinary way.
   */
  @SuppressWarnings("unchecked")
  public <T> T await(AsyncCommand<String, byte[], List<Object>> command, String name, Args args) {
    try {
      return (T) command.get(timeout.toNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RedisNoScriptException) {
        return run(name, args);
      }
      if (e.getCause() instanceof RedisException re) {
        throw failure(storeName, "script " + name, re);
      }
      throw new StoreUnavailableException(storeName + ": script " + name + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new StoreUnreachableException(storeName + ": script " + name + " got no reply in " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException(storeName + ": interrupted waiting for script " + name, e);
    }
  }

  private String load(String name) {
    String source = sources.computeIfAbsent(name,
        n -> common + "\n" + (WITH_WORKFLOWS.contains(n) ? workflow + "\n" : "") + resource(n));
    String sha = redis.scriptLoad(source);
    shas.put(name, sha);
    return sha;
  }

  /**
   * Maps a Lettuce failure: a script's own error is a bug; an error the server answered (READONLY,
   * LOADING, OOM, ...) means this command failed; anything else (no connection, a broken one, no answer
   * in time) means the server is away for now, a {@link StoreUnreachableException}, whose message ends
   * with the first cause that says why (a refused certificate, a refused connection).
   */
  public static RuntimeException failure(String storeName, String what, RedisException e) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    if (e instanceof RedisCommandExecutionException && (message.contains("user_script") || message.contains(
        "Error running script") || message.contains("Error compiling script"))) {
      return new IllegalStateException(storeName + ": " + what + " failed: " + message, e);
    }
    if (e instanceof RedisCommandExecutionException) {
      return new StoreUnavailableException(storeName + ": " + what + " failed: " + message, e);
    }
    return new StoreUnreachableException(storeName + ": " + what + " failed: " + message + reason(e), e);
  }

  /**
   * The innermost cause's message, if the exception's own does not already say it (Lettuce's connect
   * failure says only "Unable to connect to host:port"), naming a failed TLS handshake as such.
   */
  private static String reason(Throwable e) {
    Throwable root = e;
    boolean tls = false;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
      tls |= root instanceof javax.net.ssl.SSLException;
    }
    String m = root.getMessage();
    if (root == e || m == null || m.isBlank() || String.valueOf(e.getMessage()).contains(m)) {
      return "";
    }
    return (tls ? ": TLS handshake failed: " : ": ") + m;
  }

  private static String resource(String name) {
    String path = name + ".lua";
    try (InputStream in = Scripts.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing script resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
