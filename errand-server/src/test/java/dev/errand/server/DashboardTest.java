package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The dashboard is served by the server itself, chart library included (no CDN), and the page is open
 * while the data it shows stays behind the API's tokens. The browser test (scripts/dashboard-test) drives it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardTest {
  private static final String ADMIN = "admin-token-0123456789abc";

  private final TestServer s = TestServer.sqlite(c -> c.withTokens(Tokens.parse(ADMIN + " admin", "test")));

  @AfterAll
  void stop() {
    s.close();
  }

  @Test
  void pageScriptsAndChartLibraryComeFromTheServer() {
    Http.Resp page = s.http.get("/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("Content-Type")).startsWith("text/html");
    assertThat(page.body()).doesNotContain("https://").doesNotContain("http://").doesNotContain("{{");
    Matcher m = Pattern.compile("src=\"([^\"]+)\"").matcher(page.body());
    int scripts = 0;
    while (m.find()) {
      Http.Resp script = s.http.get(m.group(1));
      assertThat(script.status()).as(m.group(1)).isEqualTo(200);
      assertThat(script.header("Content-Type")).contains("javascript");
      scripts++;
    }
    assertThat(scripts).isEqualTo(2);
    assertThat(s.http.get("/webjars/chart.js/" + chartVersion(page.body()) + "/dist/chart.umd.js").bytes().length)
        .isGreaterThan(100_000);
    assertThat(s.http.get("/dashboard/app.css").header("Content-Type")).startsWith("text/css");
  }

  @Test
  void theDataBehindThePageNeedsAToken() {
    assertThat(s.http.get("/v1/queues").status()).isEqualTo(401);
    assertThat(s.http.get("/v1/stats").status()).isEqualTo(401);
    Http.Resp stats = s.http.withToken(ADMIN).get("/v1/stats");
    assertThat(stats.status()).isEqualTo(200);
    assertThat(stats.json().get("minutes")).hasSize(60);
    assertThat(stats.json().get("workers").isArray()).isTrue();
  }

  private static String chartVersion(String page) {
    Matcher m = Pattern.compile("/webjars/chart\\.js/([^/]+)/").matcher(page);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }
}
