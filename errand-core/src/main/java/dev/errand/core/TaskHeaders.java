package dev.errand.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The rules for a task's headers: small string metadata that travels with the task from its enqueue to
 * every run (a W3C trace context, a tenant, a correlation id), never read by the store. Names are
 * lower-case HTTP token characters, values printable ASCII, and all of them together at most
 * {@value #MAX_BYTES} characters, so a header can never outgrow the row it is kept in.
 */
public final class TaskHeaders {
  public static final int MAX_BYTES = 4096;
  public static final int MAX_NAME_LENGTH = 64;
  /** The W3C {@code tracestate} limit is 512 characters for list members; ours is the whole value. */
  static final int MAX_TRACESTATE_LENGTH = 512;

  private static final TypeReference<TreeMap<String, String>> HEADERS = new TypeReference<>() {};

  private TaskHeaders() {}

  /**
   * Returns an immutable copy of {@code headers}, sorted by name, or throws IllegalArgumentException
   * naming the first bad header as {@code headers.<name>}.
   */
  public static Map<String, String> check(Map<String, String> headers) {
    if (headers == null || headers.isEmpty()) {
      return Map.of();
    }
    int size = 0;
    TreeMap<String, String> sorted = new TreeMap<>();
    for (Map.Entry<String, String> h : headers.entrySet()) {
      String problem = problem(h.getKey(), h.getValue());
      if (problem != null) {
        throw new IllegalArgumentException("headers." + h.getKey() + " " + problem);
      }
      size += h.getKey().length() + h.getValue().length();
      if (size > MAX_BYTES) {
        throw new IllegalArgumentException("headers." + h.getKey() + ": the headers together exceed " + MAX_BYTES
            + " characters");
      }
      sorted.put(h.getKey(), h.getValue());
    }
    return Collections.unmodifiableMap(sorted);
  }

  /** What is wrong with one header, as a phrase to follow its name, or null if nothing is. */
  public static String problem(String name, String value) {
    if (!isName(name)) {
      return "is not a valid header name: a name must be 1.." + MAX_NAME_LENGTH
          + " lower-case token characters (a-z 0-9 !#$%&'*+-.^_`|~)";
    }
    if (value == null || !value.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      return "must be printable ASCII: " + value;
    }
    if (name.equals(TraceContext.TRACEPARENT) && !TraceContext.isValidTraceParent(value)) {
      return "must be a W3C traceparent (version-traceid-parentid-flags, ids not all zero): " + value;
    }
    if (name.equals(TraceContext.TRACESTATE) && value.length() > MAX_TRACESTATE_LENGTH) {
      return "must be at most " + MAX_TRACESTATE_LENGTH + " characters: " + value.length();
    }
    return null;
  }

  /** The headers as a JSON object for a store's text column, or null for none (the column stays NULL). */
  public static String toJson(Map<String, String> headers) {
    if (headers.isEmpty()) {
      return null;
    }
    try {
      return Json.DEFAULT_MAPPER.writeValueAsString(headers);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("headers do not encode as JSON", e); // strings always do
    }
  }

  /** Headers as {@link #toJson} wrote them; null means none. Not checked again: they were on the way in. */
  public static Map<String, String> fromJson(String json) {
    if (json == null || json.isEmpty()) {
      return Map.of();
    }
    try {
      return Collections.unmodifiableMap(Json.DEFAULT_MAPPER.readValue(json, HEADERS));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored headers are not a JSON object of strings: " + json, e);
    }
  }

  private static boolean isName(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) {
        return false;
      }
    }
    return true;
  }
}
