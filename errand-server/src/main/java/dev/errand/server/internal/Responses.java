package dev.errand.server.internal;

import dev.errand.core.Task;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** Writes successful JSON responses. Stateless. */
public final class Responses {
  /**
   * Bodies shorter than this are never compressed (Javalin decides on the first write, against the
   * strategy's minimum size), so they are written straight to Jetty's output: Javalin's own write of a
   * result copies it through a new 8 KiB buffer, a fifth of all the bytes a single enqueue allocated.
   */
  static final int UNCOMPRESSED_BELOW = CompressionStrategy.GZIP.getDefaultMinSizeForCompression();

  private Responses() {}

  public static void json(Context ctx, int status, byte[] body) {
    ctx.status(status).contentType("application/json");
    if (body.length >= UNCOMPRESSED_BELOW) {
      ctx.result(body);
      return;
    }
    HttpServletResponse res = ctx.res();
    res.setContentLength(body.length); // all of it in one write: Jetty sends headers and body together
    try {
      res.getOutputStream().write(body);
    } catch (IOException clientGone) {
      // Nobody is left to answer, and Jetty closes the connection; as when Javalin's own write fails.
    }
  }

  /** {@code {"name": n}}: how many tasks a bulk action touched. */
  public static void count(Context ctx, String name, int n) throws IOException {
    try (JsonOut out = new JsonOut()) {
      out.generator().writeStartObject();
      out.generator().writeNumberField(name, n);
      out.generator().writeEndObject();
      json(ctx, 200, out.bytes());
    }
  }

  public static void task(Context ctx, int status, Task task) {
    json(ctx, status, JsonOut.ofTask(task, Redaction.of(ctx)));
  }
}
