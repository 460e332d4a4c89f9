package dev.errand.server.internal;

import io.javalin.http.Context;
import io.javalin.http.Handler;

/**
 * Sets the browser-facing security headers on every response, before any handler runs, so pages, API
 * answers, problems and static files all carry them: a Content-Security-Policy that lets a page load
 * only the server's own scripts, styles, images and API (no inline script or style, no framing, no
 * plugins), {@code X-Content-Type-Options: nosniff}, {@code X-Frame-Options: DENY} for browsers without
 * {@code frame-ancestors}, and {@code Referrer-Policy: no-referrer}, so task ids in the dashboard's URL
 * never leave it. Stateless and thread-safe.
 */
public final class SecurityHeaders implements Handler {
  /**
   * {@code data:} images are the icons swagger-ui's stylesheet embeds; {@code connect-src 'self'} admits
   * the dashboard's API calls and event stream, and nothing else.
   */
  static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  /**
   * The /docs page starts swagger-ui with one inline script; its hash admits that script and no other.
   * SecurityHeadersTest checks that it matches the page.
   */
  static final String DOCS_SCRIPT_HASH = "'sha256-BAOSyZ2xWBdBfFNkPcU1V1hNcm7TqDnsVOyGuOf8ZhI='";

  private final String docsPolicy = POLICY.replace("script-src 'self'", "script-src 'self' " + DOCS_SCRIPT_HASH);

  @Override
  public void handle(Context ctx) {
    ctx.header("Content-Security-Policy", "/docs".equals(ctx.path()) ? docsPolicy : POLICY);
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("Referrer-Policy", "no-referrer");
  }
}
