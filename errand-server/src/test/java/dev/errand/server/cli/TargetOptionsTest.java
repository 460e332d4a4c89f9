package dev.errand.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.server.httptarget.TargetRuntime;
import dev.errand.server.internal.ConfigFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The server's target options become the runtime they describe, from flags or from ERRAND_* variables;
 * the redacted headers also from the config file.
 */
class TargetOptionsTest {
  private static ServerCommand parse(Map<String, String> env, String... args) {
    ServerCommand command = new ServerCommand();
    CommandLine cl = new CommandLine(command);
    cl.setDefaultValueProvider(new EnvironmentDefaults(env::get));
    cl.parseArgs(args);
    return command;
  }

  @Test
  void byDefaultTheServerCallsTheTargetsOfQueueHttpOnPublicAddresses() throws Exception {
    TargetRuntime runtime = parse(Map.of()).targetRuntime();
    assertThat(runtime.queues()).isEqualTo(Map.of("http", 64));
    assertThat(runtime.policy().literalRefusal("127.0.0.1")).isEqualTo("127.0.0.1 is loopback");
    assertThat(runtime.signer()).isNull();
    assertThat(runtime.maxRedirects()).isZero();
  }

  @Test
  void flagsChooseQueuesAllowListKeysAndRedirects(@TempDir Path dir) throws Exception {
    Path keys = Files.writeString(dir.resolve("keys"), "old MDEyMzQ1Njc4OWFiY2RlZg==\nnew whsec_ZmVkY2JhOTg3NjU0MzIxMA==\n");
    TargetRuntime runtime = parse(Map.of(), "--target-queues", "http,hooks:4", "--target-concurrency", "10",
        "--allow-target", "127.0.0.1", "--allow-target", "svc.internal,10.0.0.0/8", "--webhook-keys-file", keys.toString(),
        "--target-max-redirects", "2").targetRuntime();
    assertThat(runtime.queues()).isEqualTo(Map.of("http", 10, "hooks", 4));
    assertThat(runtime.policy().literalRefusal("127.0.0.1")).isNull();
    assertThat(runtime.policy().literalRefusal("10.9.9.9")).isNull();
    assertThat(runtime.policy().allowsHost("svc.internal")).isTrue();
    assertThat(runtime.signer().signingKey().id()).isEqualTo("new");
    assertThat(runtime.maxRedirects()).isEqualTo(2);
  }

  @Test
  void variablesDoTheSame() throws Exception {
    TargetRuntime runtime = parse(Map.of("ERRAND_TARGET_QUEUES", "calls", "ERRAND_ALLOW_TARGETS", "127.0.0.1,::1")).targetRuntime();
    assertThat(runtime.queues()).isEqualTo(Map.of("calls", 64));
    assertThat(runtime.policy().literalRefusal("::1")).isNull();
    assertThat(parse(Map.of(), "--target-queues", "").targetRuntime().queues()).isEmpty();
  }

  @Test
  void badOptionsNameThemselves() {
    assertThatThrownBy(() -> parse(Map.of(), "--allow-target", "not a host").targetRuntime())
        .hasMessageContaining("not a host");
    assertThatThrownBy(() -> parse(Map.of(), "--target-queues", "http:many").targetRuntime())
        .hasMessageStartingWith("--target-queues");
  }

  @Test
  void theRedactedHeadersAreAuthorizationUnlessFlagVariableOrConfigFileSayMore(@TempDir Path dir) throws Exception {
    assertThat(parse(Map.of()).redactHeaders(null)).containsExactly("authorization");
    assertThat(parse(Map.of(), "--redact-headers", "Authorization,X-Api-Key", "--redact-headers", "cookie")
        .redactHeaders(null)).containsExactlyInAnyOrder("authorization", "x-api-key", "cookie");
    assertThat(parse(Map.of("ERRAND_REDACT_HEADERS", "x-token")).redactHeaders(null)).containsExactly("x-token");
    Path config = Files.writeString(dir.resolve("config.json"), "{\"targets\": {\"redactHeaders\": [\"X-Signature\"]}}");
    assertThat(parse(Map.of()).redactHeaders(ConfigFile.read(config, 1 << 20)))
        .containsExactlyInAnyOrder("authorization", "x-signature");
  }

  @Test
  void aBadRedactedHeaderNameIsRefusedNamingWhereItCameFrom(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> parse(Map.of(), "--redact-headers", "x api key").redactHeaders(null))
        .hasMessage("--redact-headers: not a header name: x api key");
    Path config = Files.writeString(dir.resolve("config.json"), "{\"targets\": {\"redactHeaders\": [\"ok\", 5, \"a:b\"], \"x\": 1}}");
    assertThatThrownBy(() -> ConfigFile.read(config, 1 << 20))
        .hasMessageContaining("targets.redactHeaders[1] must be a string")
        .hasMessageContaining("targets.redactHeaders[2] is not a valid header name: a:b")
        .hasMessageContaining("targets.x is not a known field");
  }
}
