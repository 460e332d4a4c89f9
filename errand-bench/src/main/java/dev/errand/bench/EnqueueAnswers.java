package dev.errand.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Reads the server's answers to enqueues with a streaming parser, as much as the load generator checks:
 * the id of the task answered to {@code POST /v1/tasks}, and for {@code POST /v1/tasks:batch} each
 * result's status and task id against the ids sent, in order. Stateless.
 */
final class EnqueueAnswers {
  private static final JsonFactory FACTORY = new JsonFactory();

  /** The counts of one batch answer; a result for another task than sent, or a conflict, is failed. */
  record Batch(int created, int existing, int failed, String firstFailure) {}

  private EnqueueAnswers() {}

  /** The top-level {@code id} of a task answer, or null if it has none. */
  static String taskId(byte[] body) throws IOException {
    try (JsonParser p = FACTORY.createParser(body)) {
      expect(p.nextToken(), JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("id".equals(name) && value == JsonToken.VALUE_STRING) {
          return p.getText();
        }
        p.skipChildren();
      }
      return null;
    }
  }

  /** Checks {@code {"results":[{"status":…,"task":{"id":…}},…]}} against tasks {@code prefix+from .. prefix+(to-1)}. */
  static Batch batch(byte[] body, String prefix, int from, int to) throws IOException {
    int created = 0;
    int existing = 0;
    int failed = 0;
    String firstFailure = null;
    int i = from;
    try (JsonParser p = FACTORY.createParser(body)) {
      expect(p.nextToken(), JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (!"results".equals(name)) {
          p.skipChildren();
          continue;
        }
        expect(value, JsonToken.START_ARRAY);
        while (p.nextToken() == JsonToken.START_OBJECT) {
          String status = null;
          String id = null;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            if ("status".equals(field) && v == JsonToken.VALUE_STRING) {
              status = p.getText();
            } else if ("task".equals(field) && v == JsonToken.START_OBJECT) {
              id = idOf(p);
            } else {
              p.skipChildren();
            }
          }
          String expected = prefix + i;
          if (!expected.equals(id) || !("created".equals(status) || "existing".equals(status))) {
            failed++;
            if (firstFailure == null) {
              firstFailure = "task " + expected + " was answered " + status + " for task " + id;
            }
          } else if ("created".equals(status)) {
            created++;
          } else {
            existing++;
          }
          i++;
        }
      }
    }
    if (i != to) { // every task of the batch is then in doubt
      return new Batch(0, 0, to - from, "a batch of " + (to - from) + " tasks was answered with " + (i - from)
          + " results");
    }
    return new Batch(created, existing, failed, firstFailure);
  }

  /** The {@code id} of the task object the parser is at the start of; leaves it past the object's end. */
  private static String idOf(JsonParser p) throws IOException {
    String id = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      if ("id".equals(field) && v == JsonToken.VALUE_STRING) {
        id = p.getText();
      } else {
        p.skipChildren();
      }
    }
    return id;
  }

  private static void expect(JsonToken actual, JsonToken expected) throws IOException {
    if (actual != expected) {
      throw new IOException("expected " + expected + " in the answer, found " + actual);
    }
  }
}
