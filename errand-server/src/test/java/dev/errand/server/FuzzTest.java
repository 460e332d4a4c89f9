package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Task;
import dev.errand.core.TaskSpec;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Sends at least 10,000 seeded random hostile requests: random methods, paths and headers, malformed and
 * mistyped bodies, huge numbers, deep nesting, invalid UTF-8, wrong content types and oversized bodies.
 * Every request is one the server must refuse (or a read), so the guarantee checked is: no 5xx, ever,
 * and the store holds exactly what it held before. Rerun a failure with {@code -Derrand.fuzz.seed=N}.
 */
class FuzzTest {
  private static final int REQUESTS = Math.max(10_000, Integer.getInteger("errand.fuzz.requests", 10_000));
  private static final int THREADS = 4;
  private static final String[] METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "FROB"};
  private static final String[] CONTENT_TYPES = {"application/json", "text/plain", "application/xml",
      "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/json; charset=latin1", ""};

  @Test
  void hostileRequestsNeverCause5xxNorChangeTheStore() throws Exception {
    long seed = Long.getLong("errand.fuzz.seed", System.nanoTime());
    System.out.println("FuzzTest seed: " + seed + " (rerun with -Derrand.fuzz.seed=" + seed + ")");
    try (TestServer s = TestServer.sqlite()) {
      Fixture fixture = Fixture.create(s);
      String before = s.snapshot();
      Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
      List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      List<String> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          SplittableRandom random = new SplittableRandom(seed + t);
          Http http = new Http(s.server.port());
          futures.add(pool.submit(() -> {
            Generator generator = new Generator(random, fixture);
            for (int sent = 0; sent < REQUESTS / THREADS; ) {
              Hostile h = generator.next();
              int status = send(http, h);
              if (status == -1) {
                continue; // java.net.http refused to send it; only requests the server saw count
              }
              sent++;
              statuses.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
              if (status >= 500) {
                failures.add(status + " for " + h);
              }
              if (status >= 200 && status < 300 && !List.of("GET", "HEAD", "OPTIONS").contains(h.method)) {
                accepted.add(status + " for " + h);
              }
            }
          }));
        }
        for (Future<?> f : futures) {
          f.get();
        }
      }
      System.out.println("FuzzTest statuses: " + new java.util.TreeMap<>(statuses));
      assertThat(failures).as("5xx answers, seed %d", seed).isEmpty();
      assertThat(accepted).as("changes accepted, seed %d", seed).isEmpty();
      assertThat(statuses.values().stream().mapToInt(AtomicInteger::get).sum()).isGreaterThanOrEqualTo(REQUESTS);
      assertThat(s.snapshot()).as("store contents after fuzzing, seed %d", seed).isEqualTo(before);
      assertThat(s.http.get("/health/ready").status()).isEqualTo(200);
    }
  }

  /** Sends one request; a connection the server closed on a hostile request counts as status 0. */
  private static int send(Http http, Hostile h) {
    HttpRequest.Builder b;
    try {
      b = HttpRequest.newBuilder(URI.create(http.base() + h.path)).timeout(Duration.ofSeconds(30))
          .method(h.method, h.body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(h.body));
      for (int i = 0; i < h.headers.size(); i += 2) {
        b.header(h.headers.get(i), h.headers.get(i + 1));
      }
    } catch (IllegalArgumentException e) {
      return -1; // the client itself refuses to send it (an illegal URI or header); nothing to check
    }
    try {
      return http.send(b.build()).status();
    } catch (UncheckedIOException e) {
      return 0;
    }
  }

  private record Hostile(String method, String path, List<String> headers, byte[] body) {
    @Override
    public String toString() {
      String text = body == null ? "" : new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
      return method + " " + (path.length() > 200 ? path.substring(0, 200) + "…" : path) + " " + headers
          + " body[" + (body == null ? 0 : body.length) + "]: " + text;
    }
  }

  /** Tasks in every interesting state, so stale tokens and bad ids meet real data. */
  private record Fixture(List<String> ids, String runningId, String runningToken) {
    static Fixture create(TestServer s) throws InterruptedException {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        ids.add(s.errand.enqueue(TaskSpec.of("job", Map.of("n", i)).queue("fuzz")).id().value());
      }
      ids.add(s.errand.enqueue(TaskSpec.of("job", 1).queue("later").delay(Duration.ofHours(1))).id().value());
      ids.add(s.errand.enqueue(TaskSpec.of("job", 2).queue("busy")).id().value());
      Task running = s.errand.claim("busy", 1, Duration.ofHours(1), "fuzz-worker", Duration.ZERO).getFirst();
      ids.add(s.errand.enqueue(TaskSpec.of("job", 3).queue("doomed")).id().value());
      Task doomed = s.errand.claim("doomed", 1, Duration.ofHours(1), "fuzz-worker", Duration.ZERO).getFirst();
      s.errand.fail(doomed.id(), doomed.lease().token(), "boom", false);
      s.errand.pause("paused");
      return new Fixture(ids, running.id().value(), running.lease().token());
    }
  }

  /** Makes hostile requests, each of which the server must refuse unless it only reads. */
  private static final class Generator {
    private final SplittableRandom r;
    private final Fixture f;

    Generator(SplittableRandom r, Fixture f) {
      this.r = r;
      this.f = f;
    }

    private <T> T pick(List<T> options) {
      return options.get(r.nextInt(options.size()));
    }

    Hostile next() {
      List<String> headers = headers();
      return switch (r.nextInt(10)) {
        case 0 -> new Hostile(pick(List.of(METHODS)), randomPath(), headers, r.nextBoolean() ? randomBytes(200) : null);
        case 1 -> wrongMethod(headers);
        case 2, 3 -> new Hostile("POST", "/v1/tasks", headers, invalidEnqueue());
        case 4 -> new Hostile("POST", "/v1/tasks:batch", headers, invalidBatch());
        case 5 -> new Hostile("POST", "/v1/queues/" + pick(List.of("fuzz", "busy", "paused", "new")) + "/claim", headers,
            invalidClaim());
        case 6 -> protocolCall(headers);
        case 7 -> new Hostile("GET", pick(List.of("/v1/tasks", "/v1/queues", "/v1/tasks/" + pick(f.ids()), "/health/ready"))
            + "?" + randomQuery(), headers, null);
        case 8 -> adminCall(headers);
        default -> new Hostile("POST", "/v1/tasks", headers, oversizedOrNested());
      };
    }

    private List<String> headers() {
      List<String> h = new ArrayList<>();
      if (r.nextInt(3) == 0) {
        h.add("Content-Type");
        h.add(pick(List.of(CONTENT_TYPES)) + (r.nextInt(10) == 0 ? "x".repeat(r.nextInt(5000)) : ""));
      }
      if (r.nextInt(5) == 0) {
        h.add(pick(List.of("Idempotency-Key", "Authorization", "X-Forwarded-For", "Accept", "X-" + r.nextInt(1000))));
        h.add(r.nextInt(20) == 0 ? "v".repeat(20_000 + r.nextInt(20_000)) : printable(r.nextInt(300)));
      }
      return h;
    }

    private String printable(int n) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < n; i++) {
        sb.append((char) (0x21 + r.nextInt(0x5e)));
      }
      return sb.toString();
    }

    private byte[] randomBytes(int max) {
      byte[] b = new byte[r.nextInt(max + 1)];
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) r.nextInt(256);
      }
      return b;
    }

    private String encodedSegment() {
      StringBuilder sb = new StringBuilder();
      int n = 1 + r.nextInt(r.nextInt(50) == 0 ? 9000 : 20);
      for (int i = 0; i < n; i++) {
        int c = r.nextInt(256);
        if (Character.isLetterOrDigit(c) && c < 128) {
          sb.append((char) c);
        } else {
          sb.append('%').append(String.format("%02X", c));
        }
      }
      return sb.toString();
    }

    private String randomPath() {
      return pick(List.of("/", "/v1", "/v1/", "//v1//tasks", "/v1/tasks/", "/v2/tasks", "/v1/tasks/" + encodedSegment(),
          "/v1/queues/" + encodedSegment() + "/claim", "/v1/tasks/" + encodedSegment() + "/complete",
          "/" + encodedSegment(), "/v1/tasks/..%2F..%2Fetc%2Fpasswd", "/v1/tasks:batch/extra", "/docs/../v1/tasks",
          "/webjars/" + encodedSegment(), "/v1/dead/" + encodedSegment(), "/health/" + encodedSegment()));
    }

    /** A known path with a method it does not have. */
    private Hostile wrongMethod(List<String> headers) {
      String path = pick(List.of("/v1/tasks", "/v1/tasks:batch", "/v1/tasks/" + pick(f.ids()), "/v1/queues",
          "/v1/queues/fuzz/pause", "/v1/dead", "/v1/tasks/" + f.runningId() + "/complete", "/health/live"));
      String method = pick(List.of("PUT", "PATCH", "OPTIONS", "FROB", "DELETE"));
      if (method.equals("DELETE") && path.equals("/v1/dead")) {
        method = "PUT";
      }
      return new Hostile(method, path, headers, r.nextBoolean() ? validEnqueue().getBytes(StandardCharsets.UTF_8) : null);
    }

    private String validEnqueue() {
      StringBuilder sb = new StringBuilder("{\"type\":\"job\"");
      if (r.nextBoolean()) {
        sb.append(",\"payload\":").append(pick(List.of("{\"a\":[1,2,{\"b\":null}]}", "123456789012345678901234567890",
            "\"\\u00e9\\ud83d\\ude00\"", "1e308", "-0.0", "[]", "true")));
      }
      if (r.nextBoolean()) {
        sb.append(",\"queue\":\"fuzz\"");
      }
      if (r.nextBoolean()) {
        sb.append(",\"priority\":").append(r.nextInt(10));
      }
      if (r.nextBoolean()) {
        sb.append(",\"delay\":\"").append(pick(List.of("30s", "PT1M", "250ms", "1h"))).append('"');
      }
      return sb.append('}').toString();
    }

    /** A body that is certainly refused: each mutation alone makes it invalid. */
    private byte[] invalidEnqueue() {
      String valid = validEnqueue();
      String inner = valid.substring(1, valid.length() - 1);
      String out = switch (r.nextInt(14)) {
        case 0 -> "{" + inner + ",\"" + printable(1 + r.nextInt(10)).replace("\"", "").replace("\\", "") + "x\":1}";
        case 1 -> "{" + inner + ",\"priority\":" + pick(List.of("10", "-1", "1.5", "\"3\"", "99999999999999999999999999",
            "1e400", "[]", "{}", "true", "-9223372036854775809")) + "}";
        case 2 -> "{" + inner.replace("\"type\":\"job\"", "\"type\":" + pick(List.of("null", "1", "\"\"", "\"UPPER\"",
            "\"a b\"", "\"" + "x".repeat(65) + "\"", "[\"job\"]", "\"\\u0000\""))) + "}";
        case 3 -> "{" + inner + ",\"delay\":" + pick(List.of("\"-1s\"", "\"PT-1S\"", "\"1y\"", "30", "\"\"",
            "\"99999999999999999999d\"", "\"P99999999999D\"", "\"1 s\"")) + "}";
        case 4 -> "{" + inner.replace("\"delay\"", "\"x_delay\"") + ",\"runAt\":" + pick(List.of("\"yesterday\"",
            "\"2030-13-01T00:00:00Z\"", "\"2030-01-01\"", "0", "\"-999999999-01-01T00:00:00Z\"", "\"10000-01-01T00:00:00Z\"")) + "}";
        case 5 -> valid.substring(0, 1 + r.nextInt(valid.length() - 1));
        case 6 -> "[" + valid + "]";
        case 7 -> "{" + inner + ",\"type\":\"job\"}";
        case 8 -> "{" + inner + ",\"maxAttempts\":" + pick(List.of("0", "1001", "\"3\"", "2.0")) + "}";
        case 9 -> "{" + inner + ",\"timeout\":" + pick(List.of("\"0s\"", "\"-5m\"", "5", "\"forever\"")) + "}";
        case 10 -> "{" + inner + ",\"id\":" + pick(List.of("\"" + f.ids().getFirst() + "!\"", "\"\"", "7", "\"a/b\"")) + "}";
        case 11 -> "{" + inner + ",\"idempotencyKey\":" + pick(List.of("\"\"", "3", "\"\\u00e9\"", "\"" + "k".repeat(256) + "\"")) + "}";
        case 12 -> "{" + inner.replace("\"type\":\"job\"", "\"typ\":\"job\"") + "}";
        default -> null;
      };
      if (out == null) {
        byte[] b = valid.getBytes(StandardCharsets.UTF_8);
        b[r.nextInt(b.length)] = (byte) (int) pick(List.of(0xFF, 0xC3, 0x80, 0xED));
        return b;
      }
      return out.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] invalidBatch() {
      StringBuilder sb = new StringBuilder("{\"tasks\":[");
      int n = 1 + r.nextInt(8);
      int bad = r.nextInt(n);
      for (int i = 0; i < n; i++) {
        sb.append(i == 0 ? "" : ",").append(i == bad ? new String(invalidItem(), StandardCharsets.UTF_8) : validEnqueue());
      }
      return switch (r.nextInt(4)) {
        case 0 -> "{\"tasks\":{}}".getBytes(StandardCharsets.UTF_8);
        case 1 -> ("{\"tasks\":[]" + ",\"more\":1}").getBytes(StandardCharsets.UTF_8);
        default -> sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
      };
    }

    private byte[] invalidItem() {
      return pick(List.of("1", "null", "\"task\"", "[]", "{\"type\":\"job\",\"priority\":11}", "{\"payload\":{}}",
          "{\"type\":\"job\",\"queue\":\"No\"}")).getBytes(StandardCharsets.UTF_8);
    }

    private byte[] invalidClaim() {
      return pick(List.of("{}", "{\"workerId\":\"\"}", "{\"workerId\":5}", "{\"workerId\":\"w\",\"max\":0}",
          "{\"workerId\":\"w\",\"max\":101}", "{\"workerId\":\"w\",\"waitSeconds\":61}", "{\"workerId\":\"w\",\"leaseSeconds\":0}",
          "{\"workerId\":\"w\",\"leaseSeconds\":\"30\"}", "{\"workerId\":\"w\",\"x\":1}", "{\"workerId\":\"w\"",
          "{\"workerId\":\"" + "w".repeat(201) + "\"}", "[{\"workerId\":\"w\"}]", "")).getBytes(StandardCharsets.UTF_8);
    }

    /** Heartbeat, complete or fail with a token that is not the lease's (or a malformed body). */
    private Hostile protocolCall(List<String> headers) {
      String call = pick(List.of("heartbeat", "complete", "fail"));
      String id = r.nextBoolean() ? f.runningId() : pick(f.ids());
      String token = pick(List.of(f.runningToken() + "x", "stale", printable(40).replace("\"", "").replace("\\", ""),
          f.runningToken().substring(1)));
      String body = switch (r.nextInt(4)) {
        case 0 -> "{\"leaseToken\":\"" + token + "\",\"error\":\"e\",\"retryable\":false}";
        case 1 -> "{\"leaseToken\":\"" + token + "\",\"result\":{\"ok\":true}}";
        case 2 -> "{\"leaseToken\":" + pick(List.of("null", "1", "\"\"", "[]")) + "}";
        default -> "{\"leaseToken\":\"" + token + "\"" + (call.equals("fail") ? ",\"error\":\"e\"" : "") + "}";
      };
      return new Hostile("POST", "/v1/tasks/" + id + "/" + call, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Cancel and replay of tasks that do not exist; pause, resume and purges with invalid names. */
    private Hostile adminCall(List<String> headers) {
      String missing = "0190d0c0-0000-7000-8000-" + String.format("%012x", r.nextLong(1L << 40));
      return switch (r.nextInt(5)) {
        case 0 -> new Hostile("POST", "/v1/tasks/" + missing + "/cancel", headers, null);
        case 1 -> new Hostile("POST", "/v1/tasks/" + missing + "/replay", headers, null);
        case 2 -> new Hostile("POST", "/v1/queues/" + pick(List.of("UP", "a%20b", "-x", "%C3%A9", "x".repeat(65)))
            + pick(List.of("/pause", "/resume")), headers, null);
        case 3 -> new Hostile("DELETE", "/v1/dead?" + pick(List.of("queue=BAD", "type=%20", "queue=a&queue=b", "nope=1",
            "queue=%ZZ", "queue=" + "q".repeat(70))), headers, null);
        default -> new Hostile("POST", "/v1/dead/replay?" + pick(List.of("queue=BAD", "type=T", "x=y")), headers, null);
      };
    }

    private String randomQuery() {
      return pick(List.of("limit=0", "limit=-1", "limit=99999999999999", "limit=1e3", "state=nope", "cursor=%00",
          "cursor=" + "z".repeat(100), "queue=%FF", "queue=fuzz&queue=fuzz", "limit=5&cursor=" + pick(f.ids()),
          "state=dead", "%ZZ=1", "a=%", "queue=fuzz&limit=2", encodedSegment() + "=" + encodedSegment()));
    }

    /** Oversized bodies, a deeply nested payload, or a number too long to parse. */
    private byte[] oversizedOrNested() {
      return switch (r.nextInt(4)) {
        case 0 -> {
          if (r.nextInt(10) != 0) {
            yield ("{\"type\":\"job\",\"payload\":" + "[".repeat(300 + r.nextInt(5000)) + "]}").getBytes(StandardCharsets.UTF_8);
          }
          byte[] big = new byte[(1 << 20) + 70_000 + r.nextInt(1 << 20)];
          java.util.Arrays.fill(big, (byte) 'x');
          yield big;
        }
        case 1 -> ("{\"type\":\"job\",\"payload\":" + "9".repeat(401 + r.nextInt(5000)) + "}").getBytes(StandardCharsets.UTF_8);
        case 2 -> ("{\"type\":\"job\",\"payload\":\"" + "x".repeat((1 << 20) + 1) + "\"}").getBytes(StandardCharsets.UTF_8);
        default -> ("{\"type\":\"job\",\"payload\":" + "{\"a\":".repeat(300) + "1" + "}".repeat(300) + "}")
            .getBytes(StandardCharsets.UTF_8);
      };
    }
  }

}
