package dev.errand.server.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.errand.core.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields of one JSON object of a request body, read strictly with a streaming parser: a value's
 * type is never coerced, and nested values (a payload, a result) are kept as the exact bytes that
 * arrived, so they are stored without being re-encoded. A value is held as its place in the body, not
 * a copy: {@link #raw} copies its bytes once, when asked. Malformed JSON is a 400; everything else wrong
 * with a field is collected into {@link FieldErrors} for one 422. Field names in errors carry the
 * object's prefix, such as {@code tasks[3].}. Immutable after parsing.
 */
public final class JsonFields {
  // A shared buffer pool: the default keeps buffers per thread, and requests run on virtual threads,
  // each new, so every request allocated fresh ones.
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(256).maxNumberLength(400).build())
      .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
      .build();

  /**
   * One field's value: its token, its text or int value as the token allows, and where its bytes lie in
   * {@code source}, {@code [start, end)}.
   */
  private record Value(JsonToken token, String text, Integer intValue, int start, int end) {
    int size() {
      return end - start;
    }
  }

  private final byte[] source;
  private final String prefix;
  private final Map<String, Value> values;
  private final List<String> duplicates;

  private JsonFields(byte[] source, String prefix, Map<String, Value> values, List<String> duplicates) {
    this.source = source;
    this.prefix = prefix;
    this.values = values;
    this.duplicates = duplicates;
  }

  /** Parses {@code body}, which must be exactly one JSON object. */
  public static JsonFields parse(byte[] body, String prefix) {
    return parse(body, 0, body.length, prefix);
  }

  /** Parses {@code body[offset, offset + length)}, which must be exactly one JSON object. */
  private static JsonFields parse(byte[] body, int offset, int length, String prefix) {
    try (JsonParser p = FACTORY.createParser(body, offset, length)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw ApiException.malformed("request body is empty; expected a JSON object");
      }
      if (first != JsonToken.START_OBJECT) {
        p.skipChildren();
        requireEnd(p);
        throw ApiException.invalid(prefix.isEmpty() ? "body" : stripDot(prefix), "must be a JSON object");
      }
      JsonFields fields = readObject(p, body, offset, prefix);
      requireEnd(p);
      return fields;
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  /** The 400 for JSON that cannot be parsed: where and why, never the request's content. */
  static ApiException malformed(IOException e) {
    if (e instanceof StreamConstraintsException) {
      return ApiException.malformed("request body is too deeply nested or has an overlong number");
    }
    if (e instanceof JsonProcessingException j) {
      return ApiException.malformed("malformed JSON at line " + j.getLocation().getLineNr() + ", column "
          + j.getLocation().getColumnNr() + ": " + j.getOriginalMessage());
    }
    return ApiException.malformed("request body cannot be read: " + e.getMessage());
  }

  /** A streaming parser over {@code body} with the limits every request body is read with. */
  static JsonParser parser(byte[] body, int offset, int length) throws IOException {
    return FACTORY.createParser(body, offset, length);
  }

  static void requireEnd(JsonParser p) throws IOException {
    if (p.nextToken() != null) {
      throw ApiException.malformed("request body has content after its JSON value");
    }
  }

  private static String stripDot(String prefix) {
    return prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
  }

  /**
   * Reads the object whose START_OBJECT {@code p} has just returned, up to its END_OBJECT. {@code p}
   * parses {@code source} from {@code offset}: its byte offsets count from there.
   */
  static JsonFields readObject(JsonParser p, byte[] source, int offset, String prefix) throws IOException {
    Map<String, Value> values = new LinkedHashMap<>();
    List<String> duplicates = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken token = p.nextToken();
      int start = offset + (int) p.currentTokenLocation().getByteOffset();
      Value value = switch (token) {
        case START_OBJECT, START_ARRAY -> {
          p.skipChildren();
          yield new Value(token, null, null, start, offset + (int) p.currentLocation().getByteOffset());
        }
        case VALUE_STRING -> {
          String text = p.getText(); // finishes the token, so the location below is past its closing quote
          yield new Value(token, text, null, start, scalarEnd(source, start, offset + (int) p.currentLocation().getByteOffset()));
        }
        case VALUE_NUMBER_INT -> new Value(token, null,
            p.getNumberType() == JsonParser.NumberType.INT ? p.getIntValue() : null,
            start, scalarEnd(source, start, offset + (int) p.currentLocation().getByteOffset()));
        default -> new Value(token, null, null, start, scalarEnd(source, start, offset + (int) p.currentLocation().getByteOffset()));
      };
      if (values.putIfAbsent(name, value) != null) {
        duplicates.add(name);
      }
    }
    if (t != JsonToken.END_OBJECT) {
      throw ApiException.malformed("malformed JSON object");
    }
    return new JsonFields(source, prefix, values, duplicates);
  }

  /**
   * Where a scalar ends. Its end location may lie past a delimiter the parser looked at, so trailing
   * delimiters and whitespace are trimmed; no scalar ends with one.
   */
  private static int scalarEnd(byte[] source, int start, int end) {
    int e = Math.min(end, source.length);
    while (e > start && isDelimiter(source[e - 1])) {
      e--;
    }
    return e;
  }

  private static boolean isDelimiter(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == ',' || b == '}' || b == ']';
  }

  /** The API name of {@code name} in this object, such as {@code tasks[3].priority}. */
  public String field(String name) {
    return prefix + name;
  }

  public boolean has(String name) {
    Value v = values.get(name);
    return v != null && v.token != JsonToken.VALUE_NULL;
  }

  /** Records an error for every field not in {@code known} and every field given twice. */
  public void rejectUnknown(Set<String> known, FieldErrors errors) {
    for (String name : values.keySet()) {
      if (!known.contains(name)) {
        errors.add(field(name), "is not a known field");
      }
    }
    for (String name : duplicates) {
      errors.add(field(name), "is given more than once");
    }
  }

  /** The string value, or null if absent or null; a value of another type is an error. */
  public String string(String name, FieldErrors errors) {
    Value v = values.get(name);
    if (v == null || v.token == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v.token != JsonToken.VALUE_STRING) {
      errors.add(field(name), "must be a string");
      return null;
    }
    return v.text;
  }

  /** The integer value in {@code min..max}, or null if absent, null or invalid (invalid is an error). */
  public Integer integer(String name, int min, int max, FieldErrors errors) {
    Value v = values.get(name);
    if (v == null || v.token == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v.token != JsonToken.VALUE_NUMBER_INT) {
      errors.add(field(name), "must be an integer");
      return null;
    }
    if (v.intValue == null || v.intValue < min || v.intValue > max) {
      errors.add(field(name), "must be in " + min + ".." + max);
      return null;
    }
    return v.intValue;
  }

  /**
   * The number value (integer or decimal) in {@code (0, max]}, or null if absent, null or invalid
   * (invalid is an error).
   */
  public Double positiveNumber(String name, double max, FieldErrors errors) {
    Value v = values.get(name);
    if (v == null || v.token == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v.token != JsonToken.VALUE_NUMBER_INT && v.token != JsonToken.VALUE_NUMBER_FLOAT) {
      errors.add(field(name), "must be a number");
      return null;
    }
    double d = Double.parseDouble(new String(source, v.start, v.size(), java.nio.charset.StandardCharsets.US_ASCII));
    if (!(d > 0 && d <= max)) {
      errors.add(field(name), "must be over 0 and at most " + (long) max);
      return null;
    }
    return d;
  }

  public Boolean bool(String name, FieldErrors errors) {
    Value v = values.get(name);
    if (v == null || v.token == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v.token != JsonToken.VALUE_TRUE && v.token != JsonToken.VALUE_FALSE) {
      errors.add(field(name), "must be true or false");
      return null;
    }
    return v.token == JsonToken.VALUE_TRUE;
  }

  /**
   * Any JSON value as the exact bytes received (JSON null as {@code null}), or null if absent. The bytes
   * are copied once and not checked again: the parser has just read them as one well-formed value.
   */
  public Json raw(String name) {
    Value v = values.get(name);
    return v == null ? null : Json.ofTrusted(Arrays.copyOfRange(source, v.start, v.end));
  }

  /** The size in bytes of the value of {@code name} as received, or 0 if absent. */
  public int rawSize(String name) {
    Value v = values.get(name);
    return v == null ? 0 : v.size();
  }

  /** The object value of {@code name} with the prefix {@code name.}; null if absent or invalid (an error). */
  public JsonFields object(String name, FieldErrors errors) {
    Value v = values.get(name);
    if (v == null || v.token == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v.token != JsonToken.START_OBJECT) {
      errors.add(field(name), "must be a JSON object");
      return null;
    }
    return parse(source, v.start, v.size(), field(name) + ".");
  }

  /** The names of the fields, in the order given. */
  public Set<String> names() {
    return values.keySet();
  }

  /**
   * The elements of an array of objects, each with the prefix {@code name[i].}; null if absent or
   * invalid (invalid is an error).
   */
  public List<JsonFields> objects(String name, FieldErrors errors) {
    List<JsonFields> all = elements(name, JsonToken.START_OBJECT, "a JSON object", "objects", errors,
        (p, i) -> readObject(p, source, values.get(name).start, field(name) + "[" + i + "]."));
    return all == null ? null : all.stream().filter(java.util.Objects::nonNull).toList();
  }

  /**
   * The elements of an array of strings, each at its index, an element that is no string as null (an
   * error naming it); null if absent or not an array (an error).
   */
  public List<String> strings(String name, FieldErrors errors) {
    return elements(name, JsonToken.VALUE_STRING, "a string", "strings", errors, (p, i) -> p.getText());
  }

  private interface Element<T> {
    T read(JsonParser p, int index) throws IOException;
  }

  /** The elements of the array {@code name} that start with {@code token}, read; others null and an error each. */
  private <T> List<T> elements(String name, JsonToken token, String what, String plural, FieldErrors errors,
      Element<T> element) {
    Value v = values.get(name);
    if (v == null || v.token == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v.token != JsonToken.START_ARRAY) {
      errors.add(field(name), "must be an array of " + plural);
      return null;
    }
    List<T> out = new ArrayList<>();
    try (JsonParser p = FACTORY.createParser(source, v.start, v.size())) {
      p.nextToken();
      JsonToken t;
      int i = 0;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t == token) {
          out.add(element.read(p, i));
        } else {
          p.skipChildren();
          out.add(null);
          errors.add(field(name) + "[" + i + "]", "must be " + what);
        }
        i++;
      }
    } catch (IOException e) {
      // Unreachable: these bytes were parsed once already as part of the whole body.
      throw ApiException.malformed("malformed JSON in " + field(name));
    }
    return out;
  }
}
