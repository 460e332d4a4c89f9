package dev.errand.server.httptarget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.errand.httptarget.WebhookSigner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The README's verification snippets accept what the signer signs and refuse a changed body: the Python one
 * run as written by python3, the Java one copied here (a change there must be made here too).
 */
class WebhookVerificationDocTest {
  private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString("doc-test-secret-0123456789".getBytes(StandardCharsets.UTF_8));
  private final WebhookSigner signer = WebhookSigner.parse("k1 " + SECRET, "test");
  private final long timestamp = Instant.now().getEpochSecond();
  private final byte[] body = "{\"order\": 42, \"note\": \"é\"}".getBytes(StandardCharsets.UTF_8);
  private final String signature = signer.signature("01JTASKID", timestamp, body);

  @Test
  void thePythonSnippetVerifies() throws Exception {
    assumeTrue(new ProcessBuilder("python3", "--version").start().waitFor() == 0 || "true".equals(System.getenv("CI")),
        "python3 is installed");
    String readme = Files.readString(Path.of("README.md"));
    int at = readme.indexOf("```python", readme.indexOf("A receiver checks, in Python:"));
    String snippet = readme.substring(at + "```python".length(), readme.indexOf("```", at + 3));
    String script = snippet + "\nimport sys\nh = {'webhook-id': '01JTASKID', 'webhook-timestamp': '" + timestamp
        + "', 'webhook-signature': '" + signature + "'}\nbody = sys.stdin.buffer.read()\nverify('" + SECRET + "', h, body)\n"
        + "try:\n    verify('" + SECRET + "', h, body + b' ')\n    print('accepted a changed body')\nexcept ValueError:\n"
        + "    print('ok')\n";
    Process p = new ProcessBuilder("python3", "-c", script).redirectErrorStream(true).start();
    p.getOutputStream().write(body);
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out.strip()).isEqualTo("ok");
  }

  @Test
  void theJavaSnippetVerifies() throws Exception {
    byte[] key = Base64.getDecoder().decode(SECRET.substring("whsec_".length()));
    assertThat(verify(key, "01JTASKID", Long.toString(timestamp), body, signature)).isTrue();
    assertThat(verify(key, "01JTASKID", Long.toString(timestamp), "x".getBytes(StandardCharsets.UTF_8), signature)).isFalse();
    assertThat(verify(key, "01JOTHER", Long.toString(timestamp), body, signature)).isFalse();
  }

  // As in the README, section HTTP targets.
  static boolean verify(byte[] key, String id, String timestamp, byte[] body, String signatures) throws Exception {
    if (Math.abs(Instant.now().getEpochSecond() - Long.parseLong(timestamp)) > 300) return false;
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
    byte[] expected = mac.doFinal(body);
    for (String s : signatures.split(" ")) {
      if (s.startsWith("v1,") && MessageDigest.isEqual(expected, Base64.getDecoder().decode(s.substring(3)))) return true;
    }
    return false;
  }
}
