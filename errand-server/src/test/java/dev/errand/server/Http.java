package dev.errand.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A small java.net.http client for tests: one real connection pool per instance, JSON answers. */
final class Http {
  static final ObjectMapper MAPPER = new ObjectMapper();

  /** An answer: status, headers and body, with the body as JSON on demand. */
  record Resp(int status, java.net.http.HttpHeaders headers, byte[] bytes) {
    String body() {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    JsonNode json() {
      try {
        return MAPPER.readTree(bytes);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON (" + status + "): " + body(), e);
      }
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    @Override
    public String toString() {
      return status + " " + body();
    }
  }

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String token;

  Http(String base, String token) {
    this.base = base;
    this.token = token;
  }

  Http(int port) {
    this("http://127.0.0.1:" + port, null);
  }

  Http withToken(String token) {
    return new Http(base, token);
  }

  Resp get(String path) {
    return send("GET", path, (byte[]) null);
  }

  Resp post(String path, String json) {
    return send("POST", path, json == null ? null : json.getBytes(StandardCharsets.UTF_8));
  }

  Resp put(String path, String json) {
    return send("PUT", path, json.getBytes(StandardCharsets.UTF_8));
  }

  Resp delete(String path) {
    return send("DELETE", path, (byte[]) null);
  }

  Resp send(String method, String path, byte[] body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(90))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b.build());
  }

  Resp send(HttpRequest request) {
    try {
      HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
      return new Resp(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  String base() {
    return base;
  }
}
