package dev.errand.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Refuses a request body on a route that takes none, before the route acts: an action such as a cancel
 * or a queue pause must not run with megabytes still unread behind it. Which routes take a body is what
 * the OpenAPI document says (an operation with a {@code requestBody}), so the contract and the check
 * cannot drift apart. Any content at all, a declared length above zero or a chunked body, is a 413: the
 * route's limit is zero bytes. {@code Content-Length: 0} is accepted. Runs once the route is matched.
 * Immutable and thread-safe.
 */
public final class BodylessRoutes implements Handler {
  private final Set<String> withBody;

  private BodylessRoutes(Set<String> withBody) {
    this.withBody = Set.copyOf(withBody);
  }

  /** The routes with a request body in {@code openapi}, an OpenAPI 3 document. */
  public static BodylessRoutes of(byte[] openapi) {
    Set<String> withBody = new HashSet<>();
    try {
      JsonNode paths = new ObjectMapper().readTree(openapi).path("paths");
      for (Iterator<Map.Entry<String, JsonNode>> p = paths.fields(); p.hasNext(); ) {
        Map.Entry<String, JsonNode> path = p.next();
        for (Iterator<Map.Entry<String, JsonNode>> o = path.getValue().fields(); o.hasNext(); ) {
          Map.Entry<String, JsonNode> operation = o.next();
          if (operation.getValue().has("requestBody")) {
            withBody.add(key(operation.getKey(), path.getKey()));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the OpenAPI document cannot be read", e);
    }
    return new BodylessRoutes(withBody);
  }

  /** Whether {@code method} on the route {@code path} (as registered) takes a request body. */
  public boolean takesBody(String method, String path) {
    return withBody.contains(key(method, path));
  }

  @Override
  public void handle(Context ctx) {
    boolean hasBody = ctx.req().getContentLengthLong() > 0
        || (ctx.req().getContentLengthLong() < 0 && ctx.header("Transfer-Encoding") != null);
    if (hasBody && !takesBody(ctx.method().name(), ctx.endpointHandlerPath())) {
      throw new ApiException(413, ctx.method().name() + " " + ctx.endpointHandlerPath()
          + " takes no request body; send none (or Content-Length: 0)");
    }
  }

  private static String key(String method, String path) {
    return method.toUpperCase(Locale.ROOT) + " " + path;
  }
}
