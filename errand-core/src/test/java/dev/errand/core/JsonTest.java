package dev.errand.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void keepsTheBytesAsGiven() {
    String text = "{ \"z\": 1,   \"a\": \"\\u00e9\" }";
    assertThat(Json.parse(text).asString()).isEqualTo(text);
  }

  @Test
  void copiesOnTheWayIn() {
    byte[] bytes = "[1]".getBytes(StandardCharsets.UTF_8);
    Json json = Json.of(bytes);
    bytes[1] = '2';
    assertThat(json.asString()).isEqualTo("[1]");
  }

  @Test
  void refusesWhatIsNotOneJsonValue() {
    for (String bad : new String[] {"", "   ", "{", "[1,]", "{} {}", "nul", "\"unterminated"}) {
      assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("json");
    }
  }

  @Test
  void toStringNeverShowsThePayload() {
    assertThat(Json.parse("{\"card\":\"4111\"}").toString()).doesNotContain("4111");
  }
}
