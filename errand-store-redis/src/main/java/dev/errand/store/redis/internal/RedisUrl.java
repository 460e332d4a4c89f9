package dev.errand.store.redis.internal;

import dev.errand.core.Names;
import dev.errand.store.redis.Durability;
import io.lettuce.core.RedisURI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A store URL: {@code redis://[user:password@]host[:port][/db]}, {@code rediss://} for TLS, or
 * Lettuce's {@code redis-sentinel://host:port[,host:port]/db#primaryName}, with Errand's own options
 * {@code prefix=NAME} (the installation's key prefix, default {@code errand}),
 * {@code durability=strict|relaxed|none} (default strict) and {@code cacert=FILE} (PEM certificates to
 * trust for TLS instead of the JVM's trust store, {@code null} if absent) taken out; every other option
 * passes to Lettuce ({@code timeout}, {@code clientName}, {@code verifyPeer}, ...). A {@code #fragment}
 * (the Sentinel primary's name) may follow the options. Not public API.
 */
public record RedisUrl(RedisURI uri, String prefix, Durability durability, Path caCert) {
  public static final String DEFAULT_PREFIX = "errand";

  public static RedisUrl parse(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("url must not be blank: " + url);
    }
    String lower = url.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("redis://") && !lower.startsWith("rediss://") && !lower.startsWith("redis-sentinel://")) {
      throw new IllegalArgumentException("url must start with redis://, rediss:// or redis-sentinel://: " + redact(url));
    }
    int q = url.indexOf('?');
    // A fragment after the options (the Sentinel primary's name) belongs to the URL, not to the last option.
    int hash = q < 0 ? -1 : url.indexOf('#', q);
    String fragment = hash < 0 ? "" : url.substring(hash);
    String options = q < 0 ? "" : url.substring(q + 1, hash < 0 ? url.length() : hash);
    String prefix = DEFAULT_PREFIX;
    Durability durability = Durability.STRICT;
    Path caCert = null;
    StringBuilder rest = new StringBuilder();
    if (!options.isEmpty()) {
      for (String option : options.split("&")) {
        int eq = option.indexOf('=');
        String name = decode(eq < 0 ? option : option.substring(0, eq));
        String value = eq < 0 ? "" : decode(option.substring(eq + 1));
        switch (name) {
          case "prefix" -> prefix = Names.require("prefix", value);
          case "durability" -> durability = Durability.parse(value);
          case "cacert" -> caCert = caCert(value);
          default -> rest.append(rest.isEmpty() ? "?" : "&").append(option);
        }
      }
    }
    String base = (q < 0 ? url : url.substring(0, q)) + rest + fragment;
    try {
      return new RedisUrl(RedisURI.create(base), prefix, durability, caCert);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("url is malformed: " + redact(url) + ": " + e.getMessage(), e);
    }
  }

  private static Path caCert(String value) {
    Path file = Path.of(value);
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException("cacert must name a readable file of PEM certificates: " + value);
    }
    return file;
  }

  /** The key prefix every key of this installation starts with: its name as a hash tag, so one slot holds all. */
  public String keyPrefix() {
    return "{" + prefix + "}:";
  }

  /** The URL without its password, for messages. */
  public static String redact(String url) {
    return url == null ? null : url.replaceAll("//([^:/@]*):[^@/]*@", "//$1:***@");
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
