package dev.errand.store.postgres.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PostgreSQL location as a JDBC URL plus credentials and the store's schema. Accepts
 * {@code jdbc:postgresql:...}, and the libpq form {@code postgres://user:password@host:port/database?options}
 * (or {@code postgresql://}), whose user and password are percent-decoded. In both, the option
 * {@code schema=NAME} names the schema holding Errand's tables, checked by {@link SchemaName}'s rules and
 * taken out of the JDBC URL, and so is {@code connectionTimeout=DURATION} ({@code 250ms}, {@code 5s} or
 * plain seconds), how long a call waits for a pooled connection; every other option passes through to
 * pgjdbc. Not public API.
 *
 * @param user null to let the JDBC URL or the driver decide
 * @param password null for none
 * @param schema the URL's {@code schema} option, or null when it names none
 * @param connectionTimeout the URL's {@code connectionTimeout} option, or null when it names none
 */
public record ConnectionUrl(String jdbcUrl, String user, String password, String schema, Duration connectionTimeout) {
  private static final String SCHEMA_OPTION = "schema";
  private static final String TIMEOUT_OPTION = "connectionTimeout";
  private static final Pattern TIMEOUT = Pattern.compile("(\\d{1,9})(ms|s)?");

  public static ConnectionUrl parse(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("url must not be blank: " + url);
    }
    if (url.startsWith("jdbc:postgresql:")) {
      int q = url.indexOf('?');
      if (q < 0) {
        return new ConnectionUrl(url, null, null, null, null);
      }
      Options options = Options.split(url, url.substring(q + 1));
      return new ConnectionUrl(options.appendTo(new StringBuilder(url.substring(0, q))), null, null, options.schema,
          options.timeout);
    }
    if (!url.startsWith("postgres://") && !url.startsWith("postgresql://")) {
      throw new IllegalArgumentException(
          "url must start with postgres://, postgresql:// or jdbc:postgresql: " + redact(url));
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("url is malformed: " + redact(url), e);
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("url has no host: " + redact(url));
    }
    String user = null;
    String password = null;
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
    }
    StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(uri.getHost());
    if (uri.getPort() >= 0) {
      jdbc.append(':').append(uri.getPort());
    }
    String path = uri.getRawPath();
    jdbc.append(path == null || path.isEmpty() ? "/" : path);
    Options options = Options.split(url, uri.getRawQuery());
    return new ConnectionUrl(options.appendTo(jdbc), user, password, options.schema, options.timeout);
  }

  /** A URL's options without Errand's own, still encoded, and the schema and timeout they named. */
  private record Options(String rest, String schema, Duration timeout) {
    static Options split(String url, String query) {
      if (query == null || query.isEmpty()) {
        return new Options("", null, null);
      }
      StringBuilder rest = new StringBuilder();
      String schema = null;
      Duration timeout = null;
      for (String option : query.split("&")) {
        int eq = option.indexOf('=');
        String name = decode(eq < 0 ? option : option.substring(0, eq));
        if (name.equals(TIMEOUT_OPTION)) {
          if (timeout != null) {
            throw new IllegalArgumentException("url names its connectionTimeout twice: " + redact(url));
          }
          timeout = timeout(eq < 0 ? "" : decode(option.substring(eq + 1)), url);
          continue;
        }
        if (!name.equals(SCHEMA_OPTION)) {
          rest.append(rest.isEmpty() ? "" : "&").append(option);
          continue;
        }
        if (schema != null) {
          throw new IllegalArgumentException("url names its schema twice: " + redact(url));
        }
        try {
          schema = SchemaName.require(eq < 0 ? "" : decode(option.substring(eq + 1)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("url's schema option is refused: " + e.getMessage() + " (in " + redact(url) + ")", e);
        }
      }
      return new Options(rest.toString(), schema, timeout);
    }

    private static Duration timeout(String value, String url) {
      Matcher m = TIMEOUT.matcher(value);
      if (!m.matches()) {
        throw new IllegalArgumentException("url's connectionTimeout must be a duration such as 250ms or 5s: '"
            + value + "' (in " + redact(url) + ")");
      }
      long n = Long.parseLong(m.group(1));
      return "ms".equals(m.group(2)) ? Duration.ofMillis(n) : Duration.ofSeconds(n);
    }

    String appendTo(StringBuilder jdbc) {
      return rest.isEmpty() ? jdbc.toString() : jdbc.append('?').append(rest).toString();
    }
  }

  /** Driver properties holding the credentials, for DriverManager; callers add their own options. */
  public Properties credentials() {
    Properties p = new Properties();
    if (user != null) {
      p.setProperty("user", user);
    }
    if (password != null) {
      p.setProperty("password", password);
    }
    return p;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** The url without its password (in the user info or as an option), for messages. */
  static String redact(String url) {
    return url.replaceFirst("(://[^:/@]*):[^@/]*@", "$1:***@").replaceAll("(?i)([?&]password=)[^&]*", "$1***");
  }

  @Override
  public String toString() {
    return "ConnectionUrl[" + jdbcUrl + ", user=" + user + ", password=" + (password == null ? "none" : "***")
        + ", schema=" + schema + "]";
  }
}
