package dev.errand.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The starter's jar carries Spring's configuration metadata, made from {@link ErrandProperties} by
 * spring-boot-configuration-processor at build time, so that IDEs complete and document {@code errand.*}.
 * Without the processor, or without the fields' comments, this file is missing or its descriptions empty.
 */
class ConfigurationMetadataTest {
  private static final String METADATA = "META-INF/spring-configuration-metadata.json";

  @Test
  void theMainPropertiesAreDocumented() throws Exception {
    Map<String, JsonNode> properties = new HashMap<>();
    // Every jar may carry a file of this name (Spring Boot's do): read the one that describes ErrandProperties.
    var files = ErrandProperties.class.getClassLoader().getResources(METADATA).asIterator();
    while (files.hasNext()) {
      try (InputStream in = files.next().openStream()) {
        JsonNode root = new ObjectMapper().readTree(in);
        if (root.path("groups").findValuesAsText("type").contains(ErrandProperties.class.getName())) {
          root.path("properties").forEach(p -> properties.put(p.path("name").asText(), p));
        }
      }
    }
    assertThat(properties).as("errand.* properties in a " + METADATA).isNotEmpty();

    for (String name : new String[] {"errand.enabled", "errand.store-url", "errand.queues", "errand.poll-interval",
        "errand.shutdown-grace", "errand.schedule-zone", "errand.postgres.schema", "errand.health.enabled"}) {
      assertThat(properties).as(name).containsKey(name);
      JsonNode property = properties.get(name);
      assertThat(property.path("sourceType").asText()).as(name).startsWith(ErrandProperties.class.getName());
      assertThat(property.path("description").asText()).as(name + "'s description").isNotBlank();
    }
    assertThat(properties.get("errand.poll-interval").path("type").asText()).isEqualTo("java.time.Duration");
    assertThat(properties.get("errand.postgres.schema").path("defaultValue").asText()).isEqualTo("errand");
  }
}
