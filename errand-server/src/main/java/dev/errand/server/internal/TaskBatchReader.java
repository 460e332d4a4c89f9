package dev.errand.server.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.errand.core.TaskSpec;
import dev.errand.core.TraceContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the body of {@code POST /v1/tasks:batch}, {@code {"tasks": [TASK, ...]}}, in one pass of a
 * streaming parser straight into {@link TaskSpec}s: no tree of the body is built, and each payload is
 * copied out of the body once, so a batch near the body limit costs little more heap than its own
 * bytes. Every error is collected as the single-task endpoint collects them, each named by its item
 * ({@code tasks[3].priority}); the errors of the body's shape (unknown fields, {@code tasks} missing,
 * not an array, items that are not objects, too few or too many items) are answered alone, before any
 * item's. Stateless.
 */
public final class TaskBatchReader {
  private TaskBatchReader() {}

  /**
   * The specs of {@code body}, in order, all valid.
   *
   * @throws dev.errand.core.InvalidTaskException 422 listing every error
   * @throws ApiException 400 for malformed JSON, 413 when an item's payload is over the limit
   */
  public static List<TaskSpec> read(byte[] body, Limits limits, TraceContext trace) {
    List<String> unknown = new ArrayList<>();
    int duplicates = 0;
    FieldErrors shape = new FieldErrors();
    FieldErrors items = new FieldErrors();
    List<TaskSpec> specs = new ArrayList<>();
    boolean seen = false; // the first "tasks" counts, as JsonFields keeps the first of a duplicated field
    boolean given = false;
    boolean array = false;
    int objects = 0;
    ApiException tooLarge = null;
    try (JsonParser p = JsonFields.parser(body, 0, body.length)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw ApiException.malformed("request body is empty; expected a JSON object");
      }
      if (first != JsonToken.START_OBJECT) {
        p.skipChildren();
        JsonFields.requireEnd(p);
        throw ApiException.invalid("body", "must be a JSON object");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (!name.equals("tasks")) {
          unknown.add(name);
          p.skipChildren();
          continue;
        }
        if (seen) {
          duplicates++;
          p.skipChildren();
          continue;
        }
        seen = true;
        given = value != JsonToken.VALUE_NULL;
        if (value == JsonToken.VALUE_NULL) {
          continue;
        }
        if (value != JsonToken.START_ARRAY) {
          shape.add("tasks", "must be an array of objects");
          p.skipChildren();
          continue;
        }
        array = true;
        int i = 0;
        JsonToken item;
        while ((item = p.nextToken()) != JsonToken.END_ARRAY) {
          if (item != JsonToken.START_OBJECT) {
            p.skipChildren();
            shape.add("tasks[" + i + "]", "must be a JSON object");
          } else if (objects >= limits.maxBatch() || tooLarge != null) {
            // Past the limit (refused below) or past an oversize payload (answered 413): read no further specs.
            p.skipChildren();
            objects++;
          } else {
            objects++;
            JsonFields f = JsonFields.readObject(p, body, 0, "tasks[" + i + "].");
            try {
              TaskSpec spec = TaskSpecReader.read(f, null, trace, limits.maxPayloadBytes(), items);
              if (spec != null) {
                specs.add(spec);
              }
            } catch (ApiException e) {
              tooLarge = e;
            }
          }
          i++;
        }
      }
      if (t != JsonToken.END_OBJECT) {
        throw ApiException.malformed("malformed JSON object");
      }
      JsonFields.requireEnd(p);
    } catch (IOException e) {
      throw JsonFields.malformed(e);
    }
    FieldErrors errors = new FieldErrors();
    for (String name : unknown) {
      errors.add(name, "is not a known field");
    }
    for (int d = 0; d < duplicates; d++) {
      errors.add("tasks", "is given more than once");
    }
    errors.addAll(shape);
    if (!given) {
      errors.add("tasks", "is required");
    } else if (array && (objects == 0 || objects > limits.maxBatch())) {
      errors.add("tasks", "must hold 1.." + limits.maxBatch() + " tasks");
    }
    errors.throwIfAny();
    if (tooLarge != null) {
      throw tooLarge;
    }
    items.throwIfAny();
    return specs;
  }
}
