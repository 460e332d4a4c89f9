package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.server.internal.ApiRoute;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The OpenAPI document describes every route the server registers, and /docs works without a CDN. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DescriptionTest {
  private final TestServer s = TestServer.sqlite();

  @AfterAll
  void stop() {
    s.close();
  }

  @Test
  void openApiDocumentDescribesEveryRegisteredRoute() {
    Http.Resp r = s.http.get("/v1/openapi.json");
    assertThat(r.status()).isEqualTo(200);
    JsonNode doc = r.json();
    assertThat(doc.get("openapi").asText()).startsWith("3.1");
    assertThat(s.server.routes()).hasSizeGreaterThan(15);
    for (ApiRoute route : s.server.routes()) {
      JsonNode path = doc.get("paths").get(route.path());
      assertThat(path).as("path %s", route.path()).isNotNull();
      assertThat(path.get(route.method().name().toLowerCase(Locale.ROOT)))
          .as("%s %s", route.method(), route.path()).isNotNull();
    }
    // and nothing is described that does not exist
    doc.get("paths").fieldNames().forEachRemaining(p ->
        assertThat(s.server.routes()).anyMatch(route -> route.path().equals(p)));
  }

  /**
   * Each query parameter the document gives a GET route is one the route knows: given a value no
   * parameter accepts, the 422 names it as a bad value, never as an unknown parameter.
   */
  @Test
  void everyDocumentedQueryParameterIsKnownToItsRoute() {
    JsonNode paths = s.http.get("/v1/openapi.json").json().get("paths");
    int checked = 0;
    for (ApiRoute route : s.server.routes()) {
      JsonNode get = paths.get(route.path()).get("get");
      if (route.method() != io.javalin.http.HandlerType.GET || get == null || get.get("parameters") == null) {
        continue;
      }
      String path = route.path().replace("{id}", "0190d0c0-0000-7000-8000-000000000001").replace("{queue}", "q")
          .replace("{name}", "s");
      for (JsonNode p : get.get("parameters")) {
        if (!p.get("in").asText().equals("query")) {
          continue;
        }
        String name = p.get("name").asText();
        Http.Resp r = s.http.get(path + "?" + name + "=%21%21");
        assertThat(r.status()).as("%s?%s=!! answered %s", path, name, r).isEqualTo(422);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo(name);
        assertThat(r.body()).doesNotContain("is not a known query parameter");
        checked++;
      }
    }
    assertThat(checked).as("query parameters checked").isGreaterThanOrEqualTo(8);
  }

  @Test
  void docsPageLoadsSwaggerUiFromTheServerItself() {
    Http.Resp page = s.http.get("/docs");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("Content-Type")).startsWith("text/html");
    assertThat(page.body()).doesNotContain("https://").contains("/v1/openapi.json");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("src=\"([^\"]+)\"").matcher(page.body());
    assertThat(m.find()).isTrue();
    Http.Resp script = s.http.get(m.group(1));
    assertThat(script.status()).isEqualTo(200);
    assertThat(script.bytes().length).isGreaterThan(100_000);
  }

  @Test
  void healthEndpointsAnswer() {
    assertThat(s.http.get("/health/live").json().get("status").asText()).isEqualTo("up");
    assertThat(s.http.get("/health/ready").json().get("status").asText()).isEqualTo("up");
  }
}
