package dev.errand.server.internal;

import dev.errand.core.Errand;
import dev.errand.core.ErrandException;
import dev.errand.core.StoreCorruptException;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The open endpoints: liveness, readiness (the store answers a ping: an embedded store's ping also fails
 * while its writes fail or its file is damaged), the OpenAPI document and the
 * Swagger UI page, whose scripts come from the swagger-ui webjar on the classpath (no CDN). Thread-safe.
 */
public final class HealthRoutes {
  private static final String OPENAPI = "/dev/errand/server/openapi.json";
  private static final byte[] UP = "{\"status\":\"up\"}".getBytes(StandardCharsets.UTF_8);

  private final Errand errand;
  private final byte[] openapi;
  private final byte[] docs;

  public HealthRoutes(Errand errand) {
    this.errand = errand;
    this.openapi = Resources.bytes(OPENAPI);
    this.docs = docsPage(Resources.webjarVersion("org.webjars", "swagger-ui")).getBytes(StandardCharsets.UTF_8);
  }

  public List<ApiRoute> routes() {
    return List.of(
        new ApiRoute(HandlerType.GET, "/health/live", ApiRoute.OPEN, ctx -> Responses.json(ctx, 200, UP)),
        new ApiRoute(HandlerType.GET, "/health/ready", ApiRoute.OPEN, this::ready),
        new ApiRoute(HandlerType.GET, "/v1/openapi.json", ApiRoute.OPEN, ctx -> Responses.json(ctx, 200, openapi)),
        new ApiRoute(HandlerType.GET, "/docs", ApiRoute.OPEN,
            ctx -> ctx.status(200).contentType("text/html; charset=utf-8").result(docs)));
  }

  private void ready(Context ctx) {
    try {
      errand.store().ping();
    } catch (StoreCorruptException e) {
      // Not ready, and waiting will not make it so: no Retry-After.
      ProblemMapper.write(ctx, 503, ProblemMapper.STORE_CORRUPT, "the store's data is damaged", List.of(), Map.of());
      return;
    } catch (ErrandException | IllegalStateException e) {
      ProblemMapper.write(ctx, 503, "the store does not answer", List.of(), Map.of("Retry-After",
          ProblemMapper.RETRY_AFTER_SECONDS));
      return;
    }
    Responses.json(ctx, 200, UP);
  }

  private static String docsPage(String version) {
    String base = "/webjars/swagger-ui/" + version + "/";
    return """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>Errand API</title>
          <link rel="stylesheet" href="%sswagger-ui.css">
        </head>
        <body>
          <div id="swagger-ui"></div>
          <script src="%sswagger-ui-bundle.js"></script>
          <script>
            window.onload = () => { window.ui = SwaggerUIBundle({ url: "/v1/openapi.json", dom_id: "#swagger-ui" }); };
          </script>
        </body>
        </html>
        """.formatted(base, base);
  }
}
