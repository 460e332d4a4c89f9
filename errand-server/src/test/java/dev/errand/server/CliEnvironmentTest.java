package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Client commands as separate processes: the server URL from ERRAND_URL and the token from ERRAND_TOKEN. */
class CliEnvironmentTest {
  private static final String PRODUCER = "producer-token-for-cli-0001";

  private record Run(int code, String output) {}

  private static Run errand(Map<String, String> env, String... args) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new java.util.ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
        "-Dlogback.configurationFile=logback.xml", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove("ERRAND_TOKEN");
    pb.environment().putAll(env);
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void clientCommandsTakeTheUrlAndTokenFromTheEnvironment() throws Exception {
    try (TestServer s = TestServer.sqlite(c -> c.withTokens(Tokens.parse(PRODUCER + " producer", "test")))) {
      Map<String, String> env = Map.of("ERRAND_URL", s.http.base(), "ERRAND_TOKEN", PRODUCER);
      Run ok = errand(env, "enqueue", "send_email", "--payload", "{\"to\":\"a@example.com\"}");
      assertThat(ok.code()).as(ok.output()).isZero();
      assertThat(ok.output()).contains("\"type\":\"send_email\"");

      Run anonymous = errand(Map.of("ERRAND_URL", s.http.base()), "queues");
      assertThat(anonymous.code()).isEqualTo(1);
      assertThat(anonymous.output()).contains("\"status\":401");

      Run forbidden = errand(env, "queues", "pause", "default");
      assertThat(forbidden.code()).isEqualTo(1);
      assertThat(forbidden.output()).contains("\"status\":403");
    }
  }
}
