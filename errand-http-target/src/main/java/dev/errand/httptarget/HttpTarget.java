package dev.errand.httptarget;

import dev.errand.core.Json;
import dev.errand.core.TaskSpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where a task of kind {@value #KIND} sends its request: an immutable value that only a {@link Builder}
 * makes. The request's body is {@link #body()} as given (UTF-8), or, when none is given, the task's
 * payload as JSON. Each setter rejects a bad value at once with an IllegalArgumentException that starts
 * with the field's name ({@code url}, {@code method}, {@code headers.<name>}, {@code deadline});
 * {@link Builder#build} checks the rules between fields.
 *
 * <pre>{@code
 * errand.enqueue(HttpTarget.post("https://shop.example/jobs/expire-order").header("authorization", "Bearer x")
 *     .build().spec(Json.parse("{\"order\":42}")).delay(Duration.ofMinutes(30)));
 * }</pre>
 */
public final class HttpTarget {
  /** The kind of the tasks that call a target, run by {@link HttpTargetExecutor}. */
  public static final String KIND = "http";
  /** The type and the queue a target task gets unless it names its own. */
  public static final String DEFAULT_TYPE = "http";
  public static final String DEFAULT_QUEUE = "http";
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);
  public static final Duration MAX_DEADLINE = Duration.ofMinutes(30);
  public static final int MAX_URL_LENGTH = 2048;
  public static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
  /** Headers the executor sets itself: a target may not set them. */
  public static final Set<String> RESERVED_HEADERS = Set.of("host", "content-length", "transfer-encoding",
      "connection", "upgrade", "te", "trailer", "keep-alive", "proxy-connection",
      WebhookSigner.ID, WebhookSigner.TIMESTAMP, WebhookSigner.SIGNATURE);
  /** Header values never shown by the API unless the enqueue names others. */
  public static final Set<String> DEFAULT_SECRET_HEADERS = Set.of("authorization");

  private final String url;
  private final String method;
  private final Map<String, String> headers;
  private final String body;
  private final Duration deadline;
  private final StatusRules expect;
  private final Set<String> secretHeaders;

  private HttpTarget(Builder b) {
    this.url = b.url;
    this.method = b.method;
    this.headers = Collections.unmodifiableMap(new TreeMap<>(b.headers));
    this.body = b.body;
    this.deadline = b.deadline;
    this.expect = b.expect;
    this.secretHeaders = Collections.unmodifiableSet(new TreeSet<>(b.secretHeaders));
  }

  public static Builder builder(String url) {
    return new Builder().url(url);
  }

  public static Builder post(String url) {
    return builder(url).method("POST");
  }

  public static Builder get(String url) {
    return builder(url).method("GET");
  }

  public Builder newBuilder() {
    return new Builder(this);
  }

  /** A spec of kind {@value #KIND}, type and queue {@value #DEFAULT_TYPE}, that sends {@link #body()} or no payload. */
  public TaskSpec spec() {
    return spec(null);
  }

  /**
   * A spec of kind {@value #KIND}, type and queue {@value #DEFAULT_TYPE}, whose request body is {@code payload}
   * as JSON (when this target has no {@link #body()}); change the rest with {@link TaskSpec#newBuilder()}.
   */
  public TaskSpec spec(Json payload) {
    return TaskSpec.builder(DEFAULT_TYPE).kind(KIND).queue(DEFAULT_QUEUE).payload(TargetJson.encode(this, payload))
        .build();
  }

  public String url() {
    return url;
  }

  public String method() {
    return method;
  }

  /** Header names are lower-case. */
  public Map<String, String> headers() {
    return headers;
  }

  /** The request body as given, or null to send the task's payload. */
  public String body() {
    return body;
  }

  public Duration deadline() {
    return deadline;
  }

  public StatusRules expect() {
    return expect;
  }

  /** Names of the headers whose values reads redact. */
  public Set<String> secretHeaders() {
    return secretHeaders;
  }

  /** Whether this method carries a request body (GET and HEAD carry none). */
  public boolean sendsBody() {
    return !method.equals("GET") && !method.equals("HEAD");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HttpTarget t && url.equals(t.url) && method.equals(t.method) && headers.equals(t.headers)
        && Objects.equals(body, t.body) && deadline.equals(t.deadline) && expect.equals(t.expect)
        && secretHeaders.equals(t.secretHeaders);
  }

  @Override
  public int hashCode() {
    return Objects.hash(url, method, headers, body, deadline, expect);
  }

  /** Without headers or body: they may hold secrets. */
  @Override
  public String toString() {
    return "HttpTarget{" + method + " " + url + "}";
  }

  /** Builds an {@link HttpTarget}. Not thread-safe. */
  public static final class Builder {
    private String url;
    private String method = "POST";
    private final Map<String, String> headers = new TreeMap<>();
    private String body;
    private Duration deadline = DEFAULT_DEADLINE;
    private StatusRules expect = StatusRules.NONE;
    private final Set<String> secretHeaders = new TreeSet<>(DEFAULT_SECRET_HEADERS);

    private Builder() {}

    private Builder(HttpTarget t) {
      url = t.url;
      method = t.method;
      headers.putAll(t.headers);
      body = t.body;
      deadline = t.deadline;
      expect = t.expect;
      secretHeaders.clear();
      secretHeaders.addAll(t.secretHeaders);
    }

    /** An absolute http or https URL, without user info or fragment. */
    public Builder url(String url) {
      String problem = urlProblem(url);
      if (problem != null) {
        throw new IllegalArgumentException("url " + problem);
      }
      this.url = url;
      return this;
    }

    public Builder method(String method) {
      String m = method == null ? null : method.toUpperCase(Locale.ROOT);
      if (m == null || !METHODS.contains(m)) {
        throw new IllegalArgumentException("method must be one of " + new TreeSet<>(METHODS) + ": " + method);
      }
      this.method = m;
      return this;
    }

    /** Adds a header (the name is lower-cased); a second value for a name replaces the first. */
    public Builder header(String name, String value) {
      String n = name == null ? null : name.toLowerCase(Locale.ROOT);
      String problem = headerProblem(n, value);
      if (problem != null) {
        throw new IllegalArgumentException("headers." + name + " " + problem);
      }
      headers.put(n, value);
      return this;
    }

    /** Marks a header whose value the API and the dashboard never show ({@code authorization} is one already). */
    public Builder secretHeader(String name) {
      secretHeaders.add(Objects.requireNonNull(name, "name").toLowerCase(Locale.ROOT));
      return this;
    }

    /** The request body, sent as its UTF-8 bytes; null sends the task's payload as JSON instead. */
    public Builder body(String body) {
      this.body = body;
      return this;
    }

    /** How long one attempt's request may take, in (0, 30 min] and at most the task's timeout; 30 s by default. */
    public Builder deadline(Duration deadline) {
      if (deadline == null || deadline.isNegative() || deadline.isZero() || deadline.compareTo(MAX_DEADLINE) > 0) {
        throw new IllegalArgumentException("deadline must be positive and at most " + MAX_DEADLINE + ": " + deadline);
      }
      this.deadline = deadline;
      return this;
    }

    /** Status rules that override the default mapping of statuses to outcomes. */
    public Builder expect(StatusRules expect) {
      this.expect = Objects.requireNonNull(expect, "expect");
      return this;
    }

    public HttpTarget build() {
      if (url == null) {
        throw new IllegalStateException("url is required");
      }
      if (body != null && !method.equals("POST") && !method.equals("PUT") && !method.equals("PATCH")
          && !method.equals("DELETE") && !method.equals("OPTIONS")) {
        throw new IllegalArgumentException("body is not allowed with method " + method);
      }
      return new HttpTarget(this);
    }
  }

  /** What is wrong with {@code url} as a target, as a phrase to follow the word "url", or null if nothing is. */
  public static String urlProblem(String url) {
    if (url == null || url.isEmpty()) {
      return "is required";
    }
    if (url.length() > MAX_URL_LENGTH) {
      return "must be at most " + MAX_URL_LENGTH + " characters: " + url.length();
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return "is not a valid URL: " + e.getReason();
    }
    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      return "must use http or https: " + (scheme == null ? "no scheme" : scheme);
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      return "must name a host: " + url;
    }
    if (uri.getRawUserInfo() != null) {
      return "must not carry user info (send credentials in a header)";
    }
    if (uri.getRawFragment() != null) {
      return "must not have a fragment";
    }
    if (okhttp3.HttpUrl.parse(url) == null) {
      return "is not a valid http URL: " + url;
    }
    return null;
  }

  /** Whether {@code name} is an HTTP header name (a token: visible ASCII but separators, at most 128). */
  public static boolean isHeaderName(String name) {
    return name != null && !name.isEmpty() && name.length() <= 128
        && name.chars().allMatch(c -> c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0);
  }

  /** What is wrong with one target header, as a phrase to follow its name, or null if nothing is. */
  public static String headerProblem(String name, String value) {
    if (!isHeaderName(name)) {
      return "is not a valid header name";
    }
    if (RESERVED_HEADERS.contains(name)) {
      return "is set by Errand and cannot be given";
    }
    if (value == null || value.length() > 8192 || !value.chars().allMatch(c -> c == '\t' || c >= 0x20 && c != 0x7f)) {
      return "must be a string without control characters, at most 8192 long";
    }
    return null;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
