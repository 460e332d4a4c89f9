package dev.errand.httptarget;

import static dev.errand.httptarget.LocalEndpoint.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** Requests are signed by the Standard Webhooks scheme with the newest key; checked here by a verifier of its own. */
class WebhookSignatureTest {
  private static final String OLD = Base64.getEncoder().encodeToString("old-secret-0123456789".getBytes(StandardCharsets.UTF_8));
  private static final String NEW = Base64.getEncoder().encodeToString("new-secret-0123456789".getBytes(StandardCharsets.UTF_8));

  @Test
  void theNewestKeySignsIdTimestampAndBody() throws Exception {
    WebhookSigner signer = WebhookSigner.parse("# rotation\nk1 whsec_" + OLD + "\n\nk2 " + NEW + "\n", "test keys");
    assertThat(signer.keyIds()).containsExactly("k1", "k2");
    try (LocalEndpoint endpoint = new LocalEndpoint((x, n) -> send(x, 204, ""));
        TargetRun run = new TargetRun(HttpTargetExecutor.builder().signer(signer)
            .policy(TargetPolicy.allowing(List.of("127.0.0.1"))).build())) {
      Task task = run.run(HttpTarget.post(endpoint.url("/hook")).build(), Json.parse("{\"a\":1}"), 1,
          TaskState.SUCCEEDED, TaskState.DEAD);
      assertThat(task.state()).isEqualTo(TaskState.SUCCEEDED);

      LocalEndpoint.Received r = endpoint.received.get(0);
      assertThat(r.headers().get("webhook-id")).isEqualTo(task.id().value());
      long timestamp = Long.parseLong(r.headers().get("webhook-timestamp"));
      assertThat(Math.abs(Instant.now().getEpochSecond() - timestamp)).isLessThan(60);
      String expected = hmac(Base64.getDecoder().decode(NEW), r.headers().get("webhook-id") + "." + timestamp + "." + r.bodyText());
      assertThat(r.headers().get("webhook-signature")).isEqualTo("v1," + expected);
      assertThat(r.headers().get("webhook-signature"))
          .isNotEqualTo("v1," + hmac(Base64.getDecoder().decode(OLD), task.id().value() + "." + timestamp + "." + r.bodyText()));
    }
  }

  private static String hmac(byte[] key, String content) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aBadKeyFileNamesTheLine() {
    assertThatThrownBy(() -> WebhookSigner.parse("k1 " + NEW + "\nk2 not*base64\n", "keys"))
        .hasMessage("keys line 2: the secret of key k2 is not base64");
    assertThatThrownBy(() -> WebhookSigner.parse("k1\n", "keys")).hasMessage("keys line 1: expected 'KEY_ID SECRET'");
    assertThatThrownBy(() -> WebhookSigner.parse("k1 " + NEW + "\nk1 " + OLD, "keys")).hasMessage("keys line 2: key k1 is listed twice");
    assertThatThrownBy(() -> WebhookSigner.parse("k1 c2hvcnQ=", "keys")).hasMessageContaining("at least 16 bytes");
  }
}
