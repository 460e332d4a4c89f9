package dev.errand.httptarget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.Json;
import dev.errand.core.TaskSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetJsonTest {
  @Test
  void aStoredTargetReadsBackWithThePayloadBytesAsGiven() {
    HttpTarget target = HttpTarget.builder("https://shop.example/jobs?x=1").method("patch").header("Authorization", "Bearer s")
        .header("x-a", "b").deadline(Duration.ofSeconds(5)).expect(new StatusRules(List.of("409"), List.of(), List.of("5xx")))
        .build();
    Json payload = Json.parse("{ \"b\" : 1,\n \"a\":[1, 2] }");
    TaskSpec spec = target.spec(payload);
    assertThat(spec.kind()).isEqualTo("http");
    assertThat(spec.queue()).isEqualTo("http");
    assertThat(spec.type()).isEqualTo("http");

    TargetJson.Stored stored = TargetJson.decode(spec.payload());
    assertThat(stored.target()).isEqualTo(target);
    assertThat(stored.payload().asString()).isEqualTo(payload.asString());
    assertThat(TargetJson.decode(target.spec().payload()).payload()).isNull();
  }

  @Test
  void settersNameTheField() {
    assertThatThrownBy(() -> HttpTarget.builder("ftp://x/")).hasMessage("url must use http or https: ftp");
    assertThatThrownBy(() -> HttpTarget.builder("http://u:p@x/")).hasMessageStartingWith("url must not carry user info");
    assertThatThrownBy(() -> HttpTarget.builder("/relative")).hasMessage("url must use http or https: no scheme");
    assertThatThrownBy(() -> HttpTarget.post("http://x/").method("TRACE")).hasMessageStartingWith("method must be one of");
    assertThatThrownBy(() -> HttpTarget.post("http://x/").header("Host", "y")).hasMessage("headers.Host is set by Errand and cannot be given");
    assertThatThrownBy(() -> HttpTarget.post("http://x/").header("x", "a\nb")).hasMessageStartingWith("headers.x must be");
    assertThatThrownBy(() -> HttpTarget.post("http://x/").deadline(Duration.ofHours(1))).hasMessageStartingWith("deadline must be");
    assertThatThrownBy(() -> HttpTarget.get("http://x/").body("b").build()).hasMessage("body is not allowed with method GET");
    assertThatThrownBy(() -> new StatusRules(List.of("6xx"), List.of(), List.of())).hasMessageStartingWith("expect.success[0]");
  }
}
