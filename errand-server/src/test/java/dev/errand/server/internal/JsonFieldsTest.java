package dev.errand.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.FieldError;
import dev.errand.core.InvalidTaskException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Values held as places in the body: at any depth of nesting, a value's bytes are exactly those sent,
 * and field names in errors carry their full path.
 */
class JsonFieldsTest {
  private static JsonFields parse(String json) {
    return JsonFields.parse(json.getBytes(StandardCharsets.UTF_8), "");
  }

  private static List<FieldError> errorsOf(FieldErrors errors) {
    try {
      errors.throwIfAny();
      return List.of();
    } catch (InvalidTaskException e) {
      return e.errors();
    }
  }

  @Test
  void nestedValuesAreTheExactBytesSent() {
    JsonFields root = parse(" { \"a\" : { \"b\" : [ {\"x\":\"s\u00e9\" , \"p\" : {\"k\" : [1, 2]} ,\"n\": 12 } , 7, {\"p\":-0.50}]},"
        + " \"s\" : \"t\" } ");
    FieldErrors errors = new FieldErrors();
    JsonFields a = root.object("a", errors);
    List<JsonFields> items = a.objects("b", errors);
    assertThat(items).hasSize(2);
    JsonFields first = items.get(0);
    assertThat(first.string("x", errors)).isEqualTo("s\u00e9");
    assertThat(first.raw("x").asString()).isEqualTo("\"s\u00e9\"");
    assertThat(first.raw("p").asString()).isEqualTo("{\"k\" : [1, 2]}");
    assertThat(first.rawSize("p")).isEqualTo("{\"k\" : [1, 2]}".length());
    assertThat(first.integer("n", 0, 100, errors)).isEqualTo(12);
    assertThat(first.raw("n").asString()).isEqualTo("12");
    assertThat(items.get(1).raw("p").asString()).isEqualTo("-0.50");
    assertThat(items.get(1).field("p")).isEqualTo("a.b[2].p");
    assertThat(root.raw("s").asString()).isEqualTo("\"t\"");
    assertThat(root.raw("a").asString()).startsWith("{ \"b\"").endsWith("]}");
    assertThat(errorsOf(errors)).containsExactly(new FieldError("a.b[1]", "must be a JSON object"));
  }
}
