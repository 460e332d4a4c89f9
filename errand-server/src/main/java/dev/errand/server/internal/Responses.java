package dev.errand.server.internal;

import dev.errand.core.Task;
import io.javalin.http.Context;

/** Writes successful JSON responses. Stateless. */
public final class Responses {
  private Responses() {}

  public static void json(Context ctx, int status, byte[] body) {
    ctx.status(status).contentType("application/json").result(body);
  }

  public static void task(Context ctx, int status, Task task) {
    json(ctx, status, JsonOut.ofTask(task, false));
  }
}
