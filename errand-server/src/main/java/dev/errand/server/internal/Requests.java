package dev.errand.server.internal;

import dev.errand.core.Names;
import dev.errand.core.TaskId;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the parts of a request strictly: the body within a size limit (checked on the declared length
 * and again on the bytes actually read, before any parsing), query parameters against the known set,
 * and path parameters. Stateless.
 */
public final class Requests {
  private static final Pattern TASK_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

  private Requests() {}

  /**
   * The whole body, at most {@code limit} bytes; a larger one is a 413. A body of declared length is
   * read straight into an array of that length, the only copy made of it; one without (chunked) is
   * read in pieces up to the limit.
   */
  public static byte[] body(Context ctx, long limit) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > limit) {
      throw ApiException.tooLarge(limit);
    }
    try (InputStream in = ctx.req().getInputStream()) {
      if (declared >= 0) {
        byte[] bytes = new byte[(int) declared];
        int read = in.readNBytes(bytes, 0, bytes.length);
        if (read < bytes.length) {
          throw ApiException.malformed("request body ended after " + read + " of its " + declared + " bytes");
        }
        return bytes;
      }
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
      if (bytes.length > limit) {
        throw ApiException.tooLarge(limit);
      }
      return bytes;
    } catch (IOException e) {
      throw ApiException.malformed("request body cannot be read");
    }
  }

  /** The body as one JSON object. */
  public static JsonFields object(Context ctx, long limit) {
    return JsonFields.parse(body(ctx, limit), "");
  }

  /**
   * The query parameters, each given at most once and each in {@code known}; anything else is a 422.
   * A malformed query string is a 400. The query is decoded here as UTF-8, whatever charset the request
   * claims, so no header can make parameters disappear before they are checked.
   */
  public static Map<String, String> query(Context ctx, Set<String> known) {
    Map<String, List<String>> raw = parseQuery(ctx.queryString());
    FieldErrors errors = new FieldErrors();
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<String, List<String>> e : raw.entrySet()) {
      if (!known.contains(e.getKey())) {
        errors.add(shortName(e.getKey()), "is not a known query parameter");
      } else if (e.getValue().size() != 1) {
        errors.add(e.getKey(), "is given more than once");
      } else {
        out.put(e.getKey(), e.getValue().get(0));
      }
    }
    errors.throwIfAny();
    return out;
  }

  private static Map<String, List<String>> parseQuery(String query) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return params;
    }
    try {
      for (String pair : query.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        params.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
      }
    } catch (IllegalArgumentException e) {
      throw ApiException.malformed("malformed query string");
    }
    return params;
  }

  private static String shortName(String name) {
    return name.length() <= 40 ? name : name.substring(0, 40) + "…";
  }

  /** The task id in the path; an id that cannot exist is a 404, like one that does not. */
  public static TaskId taskId(Context ctx) {
    String id = ctx.pathParam("id");
    if (!TASK_ID.matcher(id).matches()) {
      throw new ApiException(404, "no task with id " + Durations.quote(id));
    }
    return TaskId.of(id);
  }

  /** True if {@code id} has the form of a task id. */
  static boolean isTaskId(String id) {
    return TASK_ID.matcher(id).matches();
  }

  /** The queue name in the path; a name outside the alphabet is a 422. */
  public static String queue(Context ctx) {
    String queue = ctx.pathParam("queue");
    if (!Names.isValid(queue)) {
      throw ApiException.invalid("queue", "must match " + Names.PATTERN + ": " + Durations.quote(queue));
    }
    return queue;
  }

  /**
   * An optional integer from the query in {@code min..max}, {@code otherwise} when absent; a bad one is
   * recorded in {@code errors}.
   */
  public static int integer(Map<String, String> query, String key, int otherwise, int min, int max,
      FieldErrors errors) {
    String text = query.get(key);
    if (text == null) {
      return otherwise;
    }
    try {
      int n = Integer.parseInt(text);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    errors.add(key, "must be an integer in " + min + ".." + max + ": " + Durations.quote(text));
    return otherwise;
  }

  /** An optional queue or type name from the query; a bad one is recorded in {@code errors}. */
  public static String name(Map<String, String> query, String key, FieldErrors errors) {
    String value = query.get(key);
    if (value != null && !Names.isValid(value)) {
      errors.add(key, "must match " + Names.PATTERN + ": " + Durations.quote(value));
      return null;
    }
    return value;
  }
}
