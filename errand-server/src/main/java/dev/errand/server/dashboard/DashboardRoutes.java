package dev.errand.server.dashboard;

import dev.errand.server.internal.ApiRoute;
import dev.errand.server.internal.Resources;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The dashboard: one HTML page with its script and style, read from the jar once. The pages are open;
 * what they show comes from the API, which the page calls with the bearer token the user types (kept in
 * the browser's session storage), so the dashboard is behind the same roles as the API. The chart
 * library is the chart.js webjar, served by the server itself (no CDN). Thread-safe.
 */
public final class DashboardRoutes {
  private static final String BASE = "/dev/errand/server/dashboard/";

  private final byte[] index;
  private final byte[] script;
  private final byte[] style;

  public DashboardRoutes() {
    String chart = "/webjars/chart.js/" + Resources.webjarVersion("org.webjars.npm", "chart.js") + "/dist/chart.umd.js";
    this.index = new String(resource("index.html"), StandardCharsets.UTF_8).replace("{{CHARTJS}}", chart)
        .getBytes(StandardCharsets.UTF_8);
    this.script = resource("app.js");
    this.style = resource("app.css");
  }

  public List<ApiRoute> routes() {
    return List.of(
        new ApiRoute(HandlerType.GET, "/", ApiRoute.OPEN, ctx -> send(ctx, "text/html; charset=utf-8", index)),
        new ApiRoute(HandlerType.GET, "/dashboard/app.js", ApiRoute.OPEN,
            ctx -> send(ctx, "text/javascript; charset=utf-8", script)),
        new ApiRoute(HandlerType.GET, "/dashboard/app.css", ApiRoute.OPEN,
            ctx -> send(ctx, "text/css; charset=utf-8", style)));
  }

  private static void send(Context ctx, String type, byte[] body) {
    ctx.status(200).contentType(type).header("Cache-Control", "no-cache").result(body);
  }

  private static byte[] resource(String name) {
    return Resources.bytes(BASE + name);
  }
}
