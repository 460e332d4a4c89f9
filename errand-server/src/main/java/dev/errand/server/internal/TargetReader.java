package dev.errand.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.Json;
import dev.errand.httptarget.HttpTarget;
import dev.errand.httptarget.StatusRules;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the {@code target} object of an enqueue ({@code {url, method?, headers?, body?, deadline?, expect?,
 * secretHeaders?}}) into an {@link HttpTarget}, recording every error under its field
 * ({@code target.url}, {@code tasks[2].target.deadline}). Stateless.
 */
final class TargetReader {
  static final Set<String> FIELDS = Set.of("url", "method", "headers", "body", "deadline", "expect", "secretHeaders");

  private TargetReader() {}

  /** The target, or null when an error was recorded. {@code timeout} is the task's own, or null. */
  static HttpTarget read(Json raw, String field, Duration timeout, long maxBodyBytes, FieldErrors errors) {
    JsonNode node;
    try {
      node = dev.errand.core.Json.DEFAULT_MAPPER.readTree(raw.bytesUnsafe());
    } catch (IOException e) {
      errors.add(field, "must be a JSON object");
      return null;
    }
    if (!node.isObject()) {
      errors.add(field, "must be a JSON object");
      return null;
    }
    int before = errors.size();
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        errors.add(field + "." + name, "is not a known field");
      }
    }
    HttpTarget.Builder b = null;
    String url = text(node, "url", field, errors);
    if (url == null && !node.has("url")) {
      errors.add(field + ".url", "is required");
    } else if (url != null) {
      b = attempt(field, errors, () -> HttpTarget.builder(url));
    }
    if (b == null) {
      b = HttpTarget.builder("http://placeholder.invalid/"); // collects the other fields' errors
    }
    HttpTarget.Builder builder = b;
    String method = text(node, "method", field, errors);
    if (method != null) {
      attempt(field, errors, () -> builder.method(method));
    }
    JsonNode headers = node.get("headers");
    if (headers != null && !headers.isNull()) {
      if (!headers.isObject()) {
        errors.add(field + ".headers", "must be an object of strings");
      } else {
        for (Map.Entry<String, JsonNode> h : headers.properties()) {
          if (!h.getValue().isTextual()) {
            errors.add(field + ".headers." + h.getKey(), "must be a string");
          } else {
            attempt(field, errors, () -> builder.header(h.getKey(), h.getValue().asText()));
          }
        }
      }
    }
    String body = text(node, "body", field, errors);
    if (body != null) {
      long size = body.getBytes(StandardCharsets.UTF_8).length;
      if (size > maxBodyBytes) {
        errors.add(field + ".body", "is " + size + " bytes, over the limit of " + maxBodyBytes);
      }
      builder.body(body);
    }
    String deadlineText = text(node, "deadline", field, errors);
    Duration deadline = Durations.duration(field + ".deadline", deadlineText, false, errors);
    if (deadline != null) {
      attempt(field, errors, () -> builder.deadline(deadline));
      if (timeout != null && deadline.compareTo(timeout) > 0) {
        errors.add(field + ".deadline", "must be at most the task's timeout " + timeout + ": " + deadlineText);
      }
    }
    JsonNode expect = node.get("expect");
    if (expect != null && !expect.isNull()) {
      StatusRules rules = rules(expect, field + ".expect", errors);
      if (rules != null) {
        builder.expect(rules);
      }
    }
    JsonNode secrets = node.get("secretHeaders");
    if (secrets != null && !secrets.isNull()) {
      List<String> names = strings(secrets, field + ".secretHeaders", errors);
      if (names != null) {
        names.forEach(builder::secretHeader);
      }
    }
    if (errors.size() > before) {
      return null;
    }
    return attempt(field, errors, builder::build);
  }

  private static StatusRules rules(JsonNode expect, String field, FieldErrors errors) {
    if (!expect.isObject()) {
      errors.add(field, "must be an object of status lists: success, retry, permanent");
      return null;
    }
    List<List<String>> lists = new ArrayList<>();
    for (String name : List.of("success", "retry", "permanent")) {
      JsonNode list = expect.get(name);
      lists.add(list == null || list.isNull() ? List.of() : strings(list, field + "." + name, errors));
    }
    for (Iterator<String> names = expect.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!List.of("success", "retry", "permanent").contains(name)) {
        errors.add(field + "." + name, "is not a known field");
      }
    }
    if (lists.contains(null)) {
      return null;
    }
    try {
      return new StatusRules(lists.get(0), lists.get(1), lists.get(2));
    } catch (IllegalArgumentException e) {
      errors.add(field.substring(0, field.length() - "expect".length()) + e.getMessage().split(" ")[0],
          e.getMessage().substring(e.getMessage().indexOf(' ') + 1));
      return null;
    }
  }

  /** An array of strings (numbers are taken as their text: a status may be 404 or "404"), or null after an error. */
  private static List<String> strings(JsonNode node, String field, FieldErrors errors) {
    if (!node.isArray()) {
      errors.add(field, "must be an array");
      return null;
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : node) {
      if (!item.isTextual() && !item.isInt()) {
        errors.add(field + "[" + out.size() + "]", "must be a string or a status number");
        return null;
      }
      out.add(item.asText());
    }
    return out;
  }

  private static String text(JsonNode node, String name, String field, FieldErrors errors) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      errors.add(field + "." + name, "must be a string");
      return null;
    }
    return v.asText();
  }

  /** Runs a setter; its IllegalArgumentException ("url must ...") becomes an error of that field. */
  private static <T> T attempt(String field, FieldErrors errors, java.util.function.Supplier<T> setter) {
    try {
      return setter.get();
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      int space = message.indexOf(' ');
      errors.add(field + "." + message.substring(0, space), message.substring(space + 1));
      return null;
    }
  }
}
