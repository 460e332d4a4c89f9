package dev.errand.server;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How an {@link ErrandServer} listens and what it admits.
 *
 * @param host the address to bind; anything but loopback requires tokens
 * @param port the port, 0 for any free one
 * @param maxPayloadBytes the largest payload or result accepted (bodies get room for the other fields)
 * @param tokens the accepted bearer tokens; empty means no auth, allowed on loopback only
 * @param maxWaitSeconds the longest claim long poll a worker may ask for
 * @param storeLabel the store as shown in the startup line (credentials already removed)
 * @param headerTimeout how long a connection may take to send a request's line and headers, counted from
 *     its opening or from the end of its previous response; then it is closed
 * @param maxConnections the most connections open at once; beyond it the server stops accepting until one
 *     closes, and new ones wait in the operating system's backlog
 * @param redactHeaders the target headers whose values no read shows (besides each task's own secret
 *     headers), names in any case; {@code authorization} by default
 */
public record ServerConfig(String host, int port, long maxPayloadBytes, Tokens tokens, int maxWaitSeconds,
    String storeLabel, Duration headerTimeout, int maxConnections, Set<String> redactHeaders) {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 7700;
  public static final long DEFAULT_MAX_PAYLOAD = 1 << 20;
  public static final int DEFAULT_MAX_WAIT_SECONDS = 60;
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_CONNECTIONS = 1024;

  public static final Set<String> DEFAULT_REDACT_HEADERS = Set.of("authorization");

  public ServerConfig {
    redactHeaders = redactHeaders.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(tokens, "tokens");
    Objects.requireNonNull(storeLabel, "storeLabel");
    Objects.requireNonNull(headerTimeout, "headerTimeout");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535: " + port);
    }
    if (maxPayloadBytes < 1 || maxPayloadBytes > 64L * 1024 * 1024) {
      throw new IllegalArgumentException("maxPayloadBytes must be in 1..64 MiB: " + maxPayloadBytes);
    }
    if (maxWaitSeconds < 0 || maxWaitSeconds > 300) {
      throw new IllegalArgumentException("maxWaitSeconds must be in 0..300: " + maxWaitSeconds);
    }
    if (headerTimeout.compareTo(Duration.ofMillis(100)) < 0 || headerTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("headerTimeout must be in 100ms..10m: " + headerTimeout);
    }
    if (maxConnections < 1 || maxConnections > 1_000_000) {
      throw new IllegalArgumentException("maxConnections must be in 1..1000000: " + maxConnections);
    }
  }

  /** With the default headers redacted ({@code authorization}). */
  public ServerConfig(String host, int port, long maxPayloadBytes, Tokens tokens, int maxWaitSeconds,
      String storeLabel, Duration headerTimeout, int maxConnections) {
    this(host, port, maxPayloadBytes, tokens, maxWaitSeconds, storeLabel, headerTimeout, maxConnections,
        DEFAULT_REDACT_HEADERS);
  }

  /** Loopback on {@code port} with the defaults and no tokens. */
  public static ServerConfig loopback(int port, String storeLabel) {
    return new ServerConfig(DEFAULT_HOST, port, DEFAULT_MAX_PAYLOAD, Tokens.NONE, DEFAULT_MAX_WAIT_SECONDS, storeLabel,
        DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_CONNECTIONS);
  }

  public ServerConfig withTokens(Tokens tokens) {
    return new ServerConfig(host, port, maxPayloadBytes, tokens, maxWaitSeconds, storeLabel, headerTimeout,
        maxConnections, redactHeaders);
  }

  public ServerConfig withMaxPayloadBytes(long bytes) {
    return new ServerConfig(host, port, bytes, tokens, maxWaitSeconds, storeLabel, headerTimeout,
        maxConnections, redactHeaders);
  }

  public ServerConfig withHeaderTimeout(Duration timeout) {
    return new ServerConfig(host, port, maxPayloadBytes, tokens, maxWaitSeconds, storeLabel, timeout, maxConnections,
        redactHeaders);
  }

  public ServerConfig withMaxConnections(int connections) {
    return new ServerConfig(host, port, maxPayloadBytes, tokens, maxWaitSeconds, storeLabel, headerTimeout,
        connections, redactHeaders);
  }

  public ServerConfig withRedactHeaders(Set<String> headers) {
    return new ServerConfig(host, port, maxPayloadBytes, tokens, maxWaitSeconds, storeLabel, headerTimeout,
        maxConnections, headers);
  }

  public ServerConfig withPort(int port) {
    return new ServerConfig(host, port, maxPayloadBytes, tokens, maxWaitSeconds, storeLabel, headerTimeout,
        maxConnections, redactHeaders);
  }

  public ServerConfig withHost(String host) {
    return new ServerConfig(host, port, maxPayloadBytes, tokens, maxWaitSeconds, storeLabel, headerTimeout,
        maxConnections, redactHeaders);
  }
}
