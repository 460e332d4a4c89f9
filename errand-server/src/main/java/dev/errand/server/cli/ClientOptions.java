package dev.errand.server.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every client command shares: the server URL, the token from {@code ERRAND_TOKEN}, and one HTTP
 * call whose JSON answer goes to stdout (problems to stderr, with exit code 1).
 */
final class ClientOptions {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = "--url", defaultValue = "${env:ERRAND_URL:-http://127.0.0.1:7700}",
      description = "Server URL (env ERRAND_URL, default ${DEFAULT-VALUE}). The token comes from env ERRAND_TOKEN.")
  String url;

  /** A query string from the non-null values, or "" when there are none. */
  static String query(Map<String, String> params) {
    StringJoiner q = new StringJoiner("&", "?", "");
    q.setEmptyValue("");
    params.forEach((k, v) -> {
      if (v != null) {
        q.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8));
      }
    });
    return q.toString();
  }

  static Map<String, String> params(String... keysAndValues) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Sends the request and prints the answer; returns the exit code. */
  int call(String method, String path, String jsonBody) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + path)).timeout(TIMEOUT)
        .header("Accept", "application/json");
    String token = System.getenv("ERRAND_TOKEN");
    if (token != null && !token.isBlank()) {
      b.header("Authorization", "Bearer " + token.strip());
    }
    if (jsonBody != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8));
    HttpResponse<String> response;
    try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      response = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (java.net.ConnectException e) {
      spec.commandLine().getErr().println("errand: cannot reach " + url + " (is `errand server` running?)");
      return 2;
    }
    boolean ok = response.statusCode() < 400;
    PrintWriter out = ok ? spec.commandLine().getOut() : spec.commandLine().getErr();
    if (!response.body().isEmpty()) {
      out.println(response.body());
    } else if (!ok) {
      out.println("HTTP " + response.statusCode());
    }
    out.flush();
    return ok ? 0 : 1;
  }
}
