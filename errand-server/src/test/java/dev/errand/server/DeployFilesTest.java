package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The alerting rules and the Grafana dashboard in {@code deploy/} read only metrics the server exports:
 * after a workload that makes every kind of event, each metric name they use is in a scrape.
 */
class DeployFilesTest {
  private static final Pattern METRIC = Pattern.compile("\\b((?:errand|jvm|process)_[a-z_]+)\\b");
  private static final Path DEPLOY = Path.of("..", "deploy");

  private final TestServer s = TestServer.sqlite();
  private final Http http = s.http;

  @AfterEach
  void stop() {
    s.close();
  }

  @Test
  void alertsAndDashboardUseOnlyExportedMetrics() throws Exception {
    Set<String> used = new TreeSet<>();
    used.addAll(metrics(DEPLOY.resolve("prometheus/alerts.yml")));
    used.addAll(metrics(DEPLOY.resolve("grafana/errand-dashboard.json")));
    assertThat(used).contains("errand_queue_oldest_ready_age_seconds", "errand_tasks_dead_total",
        "errand_store_errors_total", "errand_workers_alive");

    String cancelled = enqueue("\"delay\":\"1h\"");
    http.post("/v1/tasks/" + cancelled + "/cancel", null);
    for (String outcome : new String[] {"complete", "retry", "dead"}) {
      enqueue("\"maxAttempts\":2");
      JsonNode t = http.post("/v1/queues/deploy/claim", "{\"workerId\":\"w\"}").json().get("tasks").get(0);
      String body = "{\"leaseToken\":\"" + t.get("leaseToken").asText() + "\""
          + (outcome.equals("complete") ? "}" : ",\"error\":\"e\",\"retryable\":" + outcome.equals("retry") + "}");
      assertThat(http.post("/v1/tasks/" + t.get("id").asText() + (outcome.equals("complete") ? "/complete" : "/fail"),
          body).status()).isEqualTo(204);
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Scrape scrape = Scrape.parse(http.get("/metrics").body());
      assertThat(used).allSatisfy(name -> assertThat(scrape.has(name)).as("%s is exported", name).isTrue());
    });
  }

  private String enqueue(String extra) {
    Http.Resp r = http.post("/v1/tasks", "{\"type\":\"t\",\"queue\":\"deploy\"," + extra + "}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json().get("id").asText();
  }

  private static Set<String> metrics(Path file) throws Exception {
    Set<String> names = new TreeSet<>();
    Matcher m = METRIC.matcher(Files.readString(file));
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }
}
