package dev.errand.httptarget;

import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskContext;
import dev.errand.core.TaskExecutor;
import dev.errand.core.spi.Completion;
import dev.errand.httptarget.internal.GuardedDns;
import dev.errand.httptarget.internal.GuardedSocketFactory;
import dev.errand.httptarget.internal.TargetResponses;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Proxy;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;

/**
 * The executor of kind {@value HttpTarget#KIND}: sends the task's request and maps the response to the
 * attempt's outcome (see {@link TargetResponses} for the mapping). Every connection goes through the
 * {@link TargetPolicy}: the name is resolved once and the addresses checked are the ones connected to,
 * and the socket checks the address again at connect. Redirects are not followed unless
 * {@link Builder#maxRedirects} allows them, and then every hop is checked the same way. One attempt,
 * redirects included, lasts at most the target's deadline. Register it with
 * {@code Errand.builder().executor(HttpTarget.KIND, executor)}. Thread-safe: one instance serves every task.
 */
public final class HttpTargetExecutor implements TaskExecutor {
  /** Response bodies longer than this are cut in the result. */
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
  private static final MediaType JSON = MediaType.get("application/json");
  private static final MediaType TEXT = MediaType.get("text/plain; charset=utf-8");

  private final OkHttpClient client;
  private final TargetPolicy policy;
  private final WebhookSigner signer;
  private final TargetObserver observer;
  private final Clock clock;
  private final int maxRedirects;
  private final TargetResponses responses;

  private HttpTargetExecutor(Builder b) {
    this.policy = b.policy;
    this.signer = b.signer;
    this.observer = b.observer;
    this.clock = b.clock;
    this.maxRedirects = b.maxRedirects;
    this.responses = new TargetResponses(b.maxResponseBytes);
    this.client = new OkHttpClient.Builder()
        .dns(new GuardedDns(b.resolver, b.policy))
        .socketFactory(new GuardedSocketFactory(b.policy))
        .proxy(Proxy.NO_PROXY) // a proxy would resolve and connect where no check sees it
        .followRedirects(false).followSslRedirects(false)
        .retryOnConnectionFailure(false) // a retry is the task's, recorded, never a silent second POST
        .connectTimeout(Duration.ZERO).readTimeout(Duration.ZERO).writeTimeout(Duration.ZERO) // the deadline rules
        .connectionPool(new ConnectionPool(b.maxIdleConnections, 5, TimeUnit.MINUTES))
        .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Completion.Outcome execute(TaskContext context) throws Exception {
    Task task = context.task();
    TargetJson.Stored stored;
    try {
      stored = TargetJson.decode(task.payload());
    } catch (IllegalArgumentException e) {
      return new Completion.Dead("target is not valid: " + e.getMessage());
    }
    HttpTarget target = stored.target();
    HttpUrl url = HttpUrl.get(target.url());
    byte[] body = !target.sendsBody() ? null
        : target.body() != null ? HttpTarget.utf8(target.body())
        : stored.payload() != null && !stored.payload().equals(Json.NULL) ? stored.payload().toByteArray() : null;
    MediaType type = target.body() != null ? TEXT : JSON;
    long start = System.nanoTime();
    long deadlineNanos = start + target.deadline().toNanos();
    String method = target.method();
    boolean sameHost = true;
    String written = target.url(); // as written: the client folds an IPv4-mapped literal into IPv4
    for (int hop = 0; ; hop++) {
      String host = writtenHost(written, url);
      String refusal = policy.allowsHost(host) ? null : policy.literalRefusal(host);
      if (refusal != null) {
        observer.failure(url.host(), "refused", Duration.ofNanos(System.nanoTime() - start));
        return new Completion.Dead("target refused: " + refusal + " (" + TargetResponses.where(method, url) + ")");
      }
      Request request = request(task, target, url, method, body, type, sameHost);
      okhttp3.Call call = client.newCall(request);
      long remaining = deadlineNanos - System.nanoTime();
      if (remaining <= 0) {
        return responses.deadline(task, target, method, url, Duration.ofNanos(System.nanoTime() - start));
      }
      call.timeout().timeout(remaining, TimeUnit.NANOSECONDS);
      try (Response response = call.execute()) {
        Duration latency = Duration.ofNanos(System.nanoTime() - start);
        observer.response(url.host(), response.code(), latency);
        String location = response.header("location");
        HttpUrl next = location == null ? null : url.resolve(location);
        if (response.isRedirect() && next != null && hop < maxRedirects) {
          sameHost = sameHost && next.host().equals(url.host()) && next.port() == url.port();
          if (response.code() == 303 || (response.code() == 301 || response.code() == 302) && method.equals("POST")) {
            method = "GET";
            body = null;
          }
          written = resolve(written, location, next);
          url = next;
          continue;
        }
        byte[] head = readCapped(response.body());
        return responses.map(task, target, method, url, response, head, latency, clock.instant());
      } catch (IOException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw e; // the task's timeout, a lost lease or shutdown: the runtime records it
        }
        Duration latency = Duration.ofNanos(System.nanoTime() - start);
        TargetRefusedException refused = TargetResponses.refusedIn(e);
        if (refused != null) {
          observer.failure(url.host(), "refused", latency);
          return new Completion.Dead(refused.getMessage() + " (" + TargetResponses.where(method, url) + ")");
        }
        if (e instanceof InterruptedIOException) {
          observer.failure(url.host(), "timeout", latency);
          return responses.deadline(task, target, method, url, latency);
        }
        observer.failure(url.host(), "connection", latency);
        return responses.connectionError(task, method, url, e, latency);
      }
    }
  }

  private Request request(Task task, HttpTarget target, HttpUrl url, String method, byte[] body, MediaType type,
      boolean sameHost) {
    Request.Builder r = new Request.Builder().url(url).header("user-agent", "errand");
    for (var h : target.headers().entrySet()) {
      if (sameHost || !target.secretHeaders().contains(h.getKey())) { // no credentials to another host
        r.header(h.getKey(), h.getValue());
      }
    }
    MediaType contentType = target.headers().containsKey("content-type")
        ? MediaType.parse(target.headers().get("content-type")) : type;
    byte[] sent = body != null ? body : new byte[0];
    if (signer != null) {
      long timestamp = clock.instant().getEpochSecond();
      r.header(WebhookSigner.ID, task.id().value())
          .header(WebhookSigner.TIMESTAMP, Long.toString(timestamp))
          .header(WebhookSigner.SIGNATURE, signer.signature(task.id().value(), timestamp, sent));
    }
    RequestBody requestBody = body != null ? RequestBody.create(body, contentType)
        : method.equals("POST") || method.equals("PUT") || method.equals("PATCH") ? RequestBody.create(new byte[0], null)
        : null;
    return r.method(method, requestBody).build();
  }

  /** The host of {@code written} as written (an IPv6 literal in brackets), or the client's reading of it. */
  private static String writtenHost(String written, HttpUrl url) {
    try {
      String host = new URI(written).getHost();
      return host != null ? host : url.host();
    } catch (URISyntaxException e) {
      return url.host();
    }
  }

  private static String resolve(String written, String location, HttpUrl next) {
    try {
      return new URI(written).resolve(location.trim()).toString();
    } catch (URISyntaxException | IllegalArgumentException e) {
      return next.toString();
    }
  }

  /**
   * The body's first bytes, at most one past the cap: read into the client's own buffer, so that a short
   * body (the common case) costs no array the size of the cap.
   */
  private byte[] readCapped(ResponseBody body) throws IOException {
    long limit = responses.maxResponseBytes() + 1L;
    BufferedSource source = body.source();
    source.request(limit);
    Buffer buffer = source.getBuffer();
    return buffer.readByteArray(Math.min(buffer.size(), limit));
  }

  /** Builds an {@link HttpTargetExecutor}. Not thread-safe. */
  public static final class Builder {
    private TargetPolicy policy = TargetPolicy.DEFAULT;
    private Resolver resolver = Resolver.SYSTEM;
    private WebhookSigner signer;
    private TargetObserver observer = TargetObserver.NONE;
    private Clock clock = Clock.systemUTC();
    private int maxRedirects;
    private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
    private int maxIdleConnections = 64;

    private Builder() {}

    /** Which addresses targets may reach; public ones only by default. */
    public Builder policy(TargetPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** How host names are looked up (tests answer as they like); the system resolver by default. */
    public Builder resolver(Resolver resolver) {
      this.resolver = Objects.requireNonNull(resolver, "resolver");
      return this;
    }

    /** Signs every request; unsigned when none is set. */
    public Builder signer(WebhookSigner signer) {
      this.signer = signer;
      return this;
    }

    public Builder observer(TargetObserver observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /** The clock of the signature's timestamp and of {@code Retry-After} dates. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How many redirects one attempt follows, each hop checked like the first; 0 (none) by default. */
    public Builder maxRedirects(int n) {
      if (n < 0 || n > 10) {
        throw new IllegalArgumentException("maxRedirects must be in 0..10: " + n);
      }
      this.maxRedirects = n;
      return this;
    }

    /** The longest response body kept in a result; longer ones are cut. 64 KiB by default. */
    public Builder maxResponseBytes(int n) {
      if (n < 0 || n > 16 << 20) {
        throw new IllegalArgumentException("maxResponseBytes must be in 0..16MiB: " + n);
      }
      this.maxResponseBytes = n;
      return this;
    }

    /** Idle keep-alive connections kept across all targets. */
    public Builder maxIdleConnections(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("maxIdleConnections must not be negative: " + n);
      }
      this.maxIdleConnections = n;
      return this;
    }

    public HttpTargetExecutor build() {
      return new HttpTargetExecutor(this);
    }
  }
}
