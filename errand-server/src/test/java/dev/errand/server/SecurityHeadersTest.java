package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The browser-facing headers on every kind of response, and a policy strict enough to mean something. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityHeadersTest {
  private final TestServer s = TestServer.inMemory();

  @AfterAll
  void stop() {
    s.close();
  }

  private String[] paths() {
    String chart = s.http.get("/").body().replaceAll("(?s).*<script src=\"(/webjars/[^\"]+)\".*", "$1");
    return new String[] {"/", "/dashboard/app.js", "/dashboard/app.css", "/docs", "/v1/queues", "/v1/openapi.json",
        "/health/live", "/no/such/page", "/v1/tasks/missing", chart};
  }

  @Test
  void everyResponseForbidsFramingAndSniffingAndReferrers() {
    for (String path : paths()) {
      Http.Resp r = s.http.get(path);
      assertThat(r.header("Content-Security-Policy")).as(path).contains("frame-ancestors 'none'")
          .contains("default-src 'none'");
      assertThat(r.header("X-Frame-Options")).as(path).isEqualTo("DENY");
      assertThat(r.header("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
      assertThat(r.header("Referrer-Policy")).as(path).isEqualTo("no-referrer");
    }
  }

  @Test
  void dashboardPolicyAdmitsOnlyTheServersOwnScriptsAndStyles() {
    String policy = s.http.get("/").header("Content-Security-Policy");
    assertThat(policy).contains("script-src 'self';").contains("style-src 'self';").doesNotContain("unsafe")
        .doesNotContain("*");
  }

  @Test
  void dashboardHasNoInlineScriptStyleOrHandlerThePolicyWouldBlock() {
    String page = s.http.get("/").body();
    assertThat(page).doesNotContainPattern("<script(?![^>]*\\bsrc=)").doesNotContain("<style")
        .doesNotContainPattern("\\sstyle=").doesNotContainPattern("\\son[a-z]+=");
    String script = s.http.get("/dashboard/app.js").body();
    assertThat(script).doesNotContain("innerHTML").doesNotContain("'style'").doesNotContain("eval(");
  }

  @Test
  void docsPolicyAdmitsExactlyItsOneInlineScriptByHash() throws Exception {
    Http.Resp docs = s.http.get("/docs");
    Matcher inline = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL).matcher(docs.body());
    assertThat(inline.find()).isTrue();
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(inline.group(1).getBytes(StandardCharsets.UTF_8));
    String hash = "'sha256-" + Base64.getEncoder().encodeToString(digest) + "'";
    assertThat(docs.header("Content-Security-Policy")).contains("script-src 'self' " + hash + ";")
        .doesNotContain("unsafe");
    assertThat(inline.find()).as("one inline script only").isFalse();
    assertThat(s.http.get("/").header("Content-Security-Policy")).doesNotContain(hash);
  }
}
