package dev.errand.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable JSON document kept as the bytes it arrived as. Errand never re-encodes a payload or a
 * result: the bytes a producer sent are the bytes a handler decodes. Public factories check that the
 * bytes are one well-formed JSON value and copy them; {@link #ofTrusted} is for stores handing back
 * bytes they stored and takes ownership without copying or checking.
 */
public final class Json {
  /** The mapper {@link TaskSpec#of(String, Object)} encodes with: ISO-8601 dates, Java time types. */
  public static final ObjectMapper DEFAULT_MAPPER = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  public static final Json NULL = new Json("null".getBytes(StandardCharsets.UTF_8));

  private static final JsonFactory FACTORY = new JsonFactory();

  private final byte[] bytes;

  private Json(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Parses nothing but checks {@code text} is one JSON value; throws IllegalArgumentException if not. */
  public static Json parse(String text) {
    Objects.requireNonNull(text, "json");
    return of(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Copies and checks {@code bytes} (UTF-8 JSON). */
  public static Json of(byte[] bytes) {
    Objects.requireNonNull(bytes, "json");
    byte[] copy = bytes.clone();
    checkWellFormed(copy);
    return new Json(copy);
  }

  /** Encodes {@code value} with {@link #DEFAULT_MAPPER}. */
  public static Json encode(Object value) {
    return encode(value, DEFAULT_MAPPER);
  }

  public static Json encode(Object value, ObjectMapper mapper) {
    try {
      return new Json(mapper.writeValueAsBytes(value));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("value cannot be encoded as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Wraps bytes a store read back from its own storage. The caller must not change the array. */
  public static Json ofTrusted(byte[] bytes) {
    return new Json(Objects.requireNonNull(bytes, "json"));
  }

  private static void checkWellFormed(byte[] bytes) {
    try (JsonParser parser = FACTORY.createParser(bytes)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        throw new IllegalArgumentException("json is empty");
      }
      parser.skipChildren();
      if (parser.nextToken() != null) {
        throw new IllegalArgumentException("json has content after its first value");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("json is malformed: " + e.getMessage().lines().findFirst().orElse(""), e);
    }
  }

  /** Decodes into {@code type} with {@code mapper}. */
  public <T> T decode(Class<T> type, ObjectMapper mapper) throws IOException {
    return mapper.readValue(bytes, type);
  }

  /** A copy of the bytes. */
  public byte[] toByteArray() {
    return bytes.clone();
  }

  /** The bytes themselves, for stores and encoders that only read them. Never modify the array. */
  public byte[] bytesUnsafe() {
    return bytes;
  }

  public int size() {
    return bytes.length;
  }

  public String asString() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Json other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** Deliberately not the content: payloads must never reach a log line by accident. */
  @Override
  public String toString() {
    return "Json[" + bytes.length + " bytes]";
  }
}
