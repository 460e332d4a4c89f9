package dev.errand.store.postgres.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * A PostgreSQL location as a JDBC URL plus credentials. Accepts {@code jdbc:postgresql:...} as is, and
 * the libpq form {@code postgres://user:password@host:port/database?options} (or {@code postgresql://}),
 * whose user and password are percent-decoded and whose options pass through to pgjdbc. Not public API.
 *
 * @param user null to let the JDBC URL or the driver decide
 * @param password null for none
 */
public record ConnectionUrl(String jdbcUrl, String user, String password) {

  public static ConnectionUrl parse(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("url must not be blank: " + url);
    }
    if (url.startsWith("jdbc:postgresql:")) {
      return new ConnectionUrl(url, null, null);
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
    if (uri.getRawQuery() != null) {
      jdbc.append('?').append(uri.getRawQuery());
    }
    return new ConnectionUrl(jdbc.toString(), user, password);
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

  /** The url without its password, for messages. */
  static String redact(String url) {
    return url.replaceFirst("(://[^:/@]*):[^@/]*@", "$1:***@");
  }

  @Override
  public String toString() {
    return "ConnectionUrl[" + jdbcUrl + ", user=" + user + ", password=" + (password == null ? "none" : "***") + "]";
  }
}
