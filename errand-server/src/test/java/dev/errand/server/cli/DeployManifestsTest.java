package dev.errand.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.errand.server.Role;
import dev.errand.server.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The image, the compose stack and the Kubernetes manifests in {@code deploy/} fit the server and each
 * other: every {@code ERRAND_*} variable they set is one the server reads, every file they mount exists,
 * tokens have the roles their users need, selectors select the pods, probes ask the health endpoints, and
 * the grace period and memory fit the server's stop and its measured memory. No cluster or Docker engine
 * is needed: the files are read as YAML.
 */
class DeployManifestsTest {
  private static final Path DEPLOY = Path.of("..", "deploy");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** Read by the server beside its flags: more tokens, and logging levels (logback.xml). */
  private static final Set<String> EXTRA_VARIABLES = Set.of("ERRAND_TOKENS", "ERRAND_LOG_LEVEL",
      "ERRAND_STORE_LOG_LEVEL", "ERRAND_SCHEDULER_LOG_LEVEL");
  /** The server's stop: up to 5 s for requests in flight (ErrandServer's stop timeout), then the store. */
  private static final int SERVER_STOP_SECONDS = 5;
  /** bench/README.md, "Server memory": peak resident set while draining a million tasks, worst of 5 runs. */
  private static final long MEASURED_PEAK_MIB = 231;

  @Test
  void composeRunsTheWholeSystemOnPostgres() throws IOException {
    Path dir = DEPLOY.resolve("compose");
    JsonNode services = YAML.readTree(dir.resolve("compose.yaml").toFile()).get("services");
    assertThat(names(services)).contains("postgres", "errand", "java-worker", "python-worker", "prometheus", "grafana");

    JsonNode errand = services.get("errand");
    assertServerVariables(errand.get("environment"), "compose errand");
    assertThat(errand.get("environment").get("ERRAND_STORE").asText()).startsWith("postgres://").contains("@postgres:");
    assertThat(errand.get("environment").get("ERRAND_HOST").asText()).isEqualTo("0.0.0.0");
    assertThat(errand.get("build").get("dockerfile").asText()).isEqualTo("deploy/image/Dockerfile");
    assertThat(dir.resolve(errand.get("build").get("context").asText()).resolve("deploy/image/Dockerfile")).isRegularFile();
    assertThat(services.get("java-worker").get("environment").get("ERRAND_STORE").asText())
        .isEqualTo(errand.get("environment").get("ERRAND_STORE").asText());

    for (String service : names(services)) {
      for (JsonNode volume : services.get(service).path("volumes")) {
        String source = volume.asText().split(":")[0];
        if (source.startsWith(".") && !source.contains("/target/")) { // the jar exists after the build only
          assertThat(Files.exists(dir.resolve(source))).as("%s mounts %s", service, source).isTrue();
        }
      }
    }

    Tokens tokens = Tokens.parse(Files.readString(dir.resolve(
        YAML.readTree(dir.resolve("compose.yaml").toFile()).get("secrets").get("errand-tokens").get("file").asText())),
        "compose tokens");
    assertThat(tokens.roleOf(services.get("python-worker").get("environment").get("ERRAND_TOKEN").asText()))
        .contains(Role.WORKER);
    assertThat(tokens.roleOf(Files.readString(dir.resolve("prometheus-token")).strip())).contains(Role.READER);
  }

  @Test
  void prometheusAndGrafanaOfTheComposeStackFindTheirInputs() throws IOException {
    Path dir = DEPLOY.resolve("compose");
    JsonNode services = YAML.readTree(dir.resolve("compose.yaml").toFile()).get("services");
    Map<String, String> prometheusMounts = mounts(services.get("prometheus"));
    assertThat(prometheusMounts).containsEntry("../prometheus/alerts.yml", "/etc/prometheus/rules/errand-alerts.yml");
    JsonNode prometheus = YAML.readTree(dir.resolve("prometheus.yml").toFile());
    assertThat(prometheus.get("rule_files").get(0).asText()).isEqualTo("/etc/prometheus/rules/*.yml");
    JsonNode scrape = prometheus.get("scrape_configs").get(0);
    assertThat(scrape.get("static_configs").get(0).get("targets").get(0).asText()).isEqualTo("errand:7700");
    assertThat(prometheusMounts).containsValue(scrape.get("authorization").get("credentials_file").asText());

    Map<String, String> grafanaMounts = mounts(services.get("grafana"));
    JsonNode source = YAML.readTree(dir.resolve("grafana/datasources/prometheus.yml").toFile()).get("datasources").get(0);
    assertThat(source.get("url").asText()).isEqualTo("http://prometheus:9090");
    assertThat(source.get("isDefault").asBoolean()).isTrue();
    String dashboards = YAML.readTree(dir.resolve("grafana/dashboards/errand.yml").toFile())
        .get("providers").get(0).get("options").get("path").asText();
    assertThat(grafanaMounts).containsEntry("../grafana/errand-dashboard.json", dashboards + "/errand-dashboard.json");
  }

  @Test
  void theDeploymentProbesHealthAndOutlastsTheServersStop() throws IOException {
    Map<String, JsonNode> k8s = kubernetes();
    JsonNode pod = k8s.get("Deployment").get("spec").get("template");
    JsonNode container = pod.get("spec").get("containers").get(0);
    assertThat(container.get("startupProbe").get("httpGet").get("path").asText()).isEqualTo("/health/live");
    assertThat(container.get("livenessProbe").get("httpGet").get("path").asText()).isEqualTo("/health/live");
    assertThat(container.get("readinessProbe").get("httpGet").get("path").asText()).isEqualTo("/health/ready");
    Set<String> ports = new HashSet<>();
    container.get("ports").forEach(p -> ports.add(p.get("name").asText()));
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      assertThat(ports).contains(container.get(probe).get("httpGet").get("port").asText());
    }

    int preStop = Integer.parseInt(container.get("lifecycle").get("preStop").get("exec").get("command").get(1).asText());
    assertThat(pod.get("spec").get("terminationGracePeriodSeconds").asInt())
        .as("grace period, against the preStop pause and the server's stop").isGreaterThan(preStop + SERVER_STOP_SECONDS + 10);

    JsonNode env = container.get("env");
    Map<String, JsonNode> byName = new HashMap<>();
    env.forEach(e -> byName.put(e.get("name").asText(), e));
    assertServerVariables(YAML.valueToTree(byName), "deployment");
    assertThat(byName.get("ERRAND_HOST").get("value").asText()).isEqualTo("0.0.0.0");
    JsonNode secret = k8s.get("Secret");
    JsonNode storeRef = byName.get("ERRAND_STORE").get("valueFrom").get("secretKeyRef");
    assertThat(storeRef.get("name").asText()).isEqualTo(secret.get("metadata").get("name").asText());
    assertThat(secret.get("stringData").has(storeRef.get("key").asText())).isTrue();
    JsonNode tokensVolume = pod.get("spec").get("volumes").get(0).get("secret");
    assertThat(tokensVolume.get("secretName").asText()).isEqualTo(secret.get("metadata").get("name").asText());
    assertThat(byName.get("ERRAND_TOKENS_FILE").get("value").asText())
        .isEqualTo(container.get("volumeMounts").get(0).get("mountPath").asText() + "/"
            + tokensVolume.get("items").get(0).get("path").asText());
    Tokens.parse(secret.get("stringData").get(tokensVolume.get("items").get(0).get("key").asText()).asText(), "secret");
  }

  @Test
  void memoryRequestsAndLimitsMatchTheMeasuredServer() throws IOException {
    JsonNode resources = kubernetes().get("Deployment").get("spec").get("template").get("spec").get("containers").get(0)
        .get("resources");
    long request = mebibytes(resources.get("requests").get("memory").asText());
    long limit = mebibytes(resources.get("limits").get("memory").asText());
    Matcher xmx = Pattern.compile("(?m)^-Xmx(\\d+)m$").matcher(Files.readString(Path.of("jvm.options")));
    assertThat(xmx.find()).as("-Xmx in jvm.options").isTrue();
    long heapCeiling = Long.parseLong(xmx.group(1));
    assertThat(request).as("request against the measured peak").isBetween(MEASURED_PEAK_MIB, heapCeiling + 64);
    assertThat(limit).as("limit against the heap ceiling plus the JVM's own memory").isGreaterThan(heapCeiling + 128);
  }

  @Test
  void serviceDisruptionBudgetAndServiceMonitorSelectTheServerPods() throws IOException {
    Map<String, JsonNode> k8s = kubernetes();
    JsonNode podLabels = k8s.get("Deployment").get("spec").get("template").get("metadata").get("labels");
    assertThat(k8s.get("Deployment").get("spec").get("selector").get("matchLabels")).isEqualTo(podLabels);
    assertSelects(k8s.get("Service").get("spec").get("selector"), podLabels);
    assertSelects(k8s.get("PodDisruptionBudget").get("spec").get("selector").get("matchLabels"), podLabels);
    assertThat(k8s.get("Deployment").get("spec").get("replicas").asInt())
        .isGreaterThan(k8s.get("PodDisruptionBudget").get("spec").get("maxUnavailable").asInt());

    JsonNode servicePort = k8s.get("Service").get("spec").get("ports").get(0);
    assertThat(servicePort.get("targetPort").asText()).isEqualTo("http");
    JsonNode monitor = YAML.readTree(DEPLOY.resolve("kubernetes/servicemonitor.yaml").toFile());
    assertSelects(monitor.get("spec").get("selector").get("matchLabels"), k8s.get("Service").get("metadata").get("labels"));
    JsonNode endpoint = monitor.get("spec").get("endpoints").get(0);
    assertThat(endpoint.get("port").asText()).isEqualTo(servicePort.get("name").asText());
    assertThat(endpoint.get("path").asText()).isEqualTo("/metrics");
    JsonNode secret = k8s.get("Secret");
    String readerToken = secret.get("stringData").get(endpoint.get("authorization").get("credentials").get("key").asText()).asText();
    assertThat(Tokens.parse(secret.get("stringData").get("tokens").asText(), "secret").roleOf(readerToken))
        .contains(Role.READER);
  }

  @Test
  void theImageSetsOnlyServerVariablesAndExposesTheDefaultPort() throws IOException {
    String dockerfile = Files.readString(DEPLOY.resolve("image/Dockerfile"));
    Matcher variable = Pattern.compile("\\b(ERRAND_[A-Z_]+)=").matcher(dockerfile);
    Map<String, String> set = new HashMap<>();
    while (variable.find()) {
      set.put(variable.group(1), "");
    }
    assertThat(set).containsKeys("ERRAND_DATA", "ERRAND_PORT");
    assertServerVariables(YAML.valueToTree(set), "Dockerfile");
    CommandLine server = new CommandLine(new ServerCommand());
    assertThat(dockerfile).contains("EXPOSE " + server.getCommandSpec().findOption("--port").defaultValue());
  }

  private static void assertServerVariables(JsonNode environment, String where) {
    Set<String> known = new HashSet<>(EXTRA_VARIABLES);
    for (OptionSpec option : new CommandLine(new ServerCommand()).getCommandSpec().options()) {
      known.add(EnvironmentDefaults.variable(option));
    }
    for (String name : names(environment)) {
      if (name.startsWith("ERRAND_")) {
        assertThat(known).as("%s sets %s", where, name).contains(name);
      }
    }
  }

  private static void assertSelects(JsonNode selector, JsonNode labels) {
    selector.fields().forEachRemaining(e ->
        assertThat(labels.path(e.getKey()).asText()).as("label %s", e.getKey()).isEqualTo(e.getValue().asText()));
  }

  /** The kustomization's resources by kind; each file it lists exists and holds one object. */
  private static Map<String, JsonNode> kubernetes() throws IOException {
    Path dir = DEPLOY.resolve("kubernetes");
    Map<String, JsonNode> byKind = new HashMap<>();
    for (JsonNode resource : YAML.readTree(dir.resolve("kustomization.yaml").toFile()).get("resources")) {
      JsonNode object = YAML.readTree(dir.resolve(resource.asText()).toFile());
      assertThat(object.get("apiVersion").asText()).as(resource.asText()).isNotBlank();
      byKind.put(object.get("kind").asText(), object);
    }
    assertThat(byKind).containsOnlyKeys("Secret", "Deployment", "Service", "PodDisruptionBudget");
    return byKind;
  }

  private static Map<String, String> mounts(JsonNode service) {
    Map<String, String> mounts = new HashMap<>();
    for (JsonNode volume : service.path("volumes")) {
      String[] parts = volume.asText().split(":");
      mounts.put(parts[0], parts[1]);
    }
    return mounts;
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static long mebibytes(String quantity) {
    assertThat(quantity).as("a quantity in Mi or Gi").matches("\\d+(Mi|Gi)");
    long n = Long.parseLong(quantity.substring(0, quantity.length() - 2));
    return quantity.endsWith("Gi") ? n * 1024 : n;
  }
}
