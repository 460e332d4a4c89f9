package dev.errand.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every option of {@code errand server} reads its {@code ERRAND_*} variable by one rule, a flag wins over
 * it, and the README's table and the option's help name the same variable. An option added later is
 * checked without touching this test, unless its type needs a sample value below.
 */
class EnvironmentDefaultsTest {
  /** A value for each option type that differs from every default, and what it parses to. */
  private static final Map<Class<?>, Sample> SAMPLES = Map.of(
      String.class, new Sample("from-env", "from-env"),
      int.class, new Sample("4321", 4321),
      long.class, new Sample("2048", 2048L),
      boolean.class, new Sample("true", true),
      Path.class, new Sample("env/path", Path.of("env/path")),
      Duration.class, new Sample("3h", Duration.ofHours(3)),
      LogFormat.class, new Sample("json", LogFormat.json),
      List.class, new Sample("a.example,10.0.0.0/8", List.of("a.example", "10.0.0.0/8")));

  private record Sample(String text, Object value) {}

  @Test
  void variableNamesFollowOneRule() {
    CommandLine cl = server(Map.of());
    assertThat(EnvironmentDefaults.variable(cl.getCommandSpec().findOption("--tokens-file")))
        .isEqualTo("ERRAND_TOKENS_FILE");
    assertThat(EnvironmentDefaults.variable(cl.getCommandSpec().findOption("--port"))).isEqualTo("ERRAND_PORT");
  }

  @Test
  void everyServerOptionReadsItsVariable() {
    Map<String, String> env = new HashMap<>();
    for (OptionSpec option : options()) {
      env.put(EnvironmentDefaults.variable(option), sample(option).text());
    }
    CommandLine withEnv = server(env);
    withEnv.parseArgs();
    CommandLine withoutEnv = server(Map.of());
    withoutEnv.parseArgs();
    for (OptionSpec option : options()) {
      Object expected = sample(option).value();
      assertThat((Object) withEnv.getCommandSpec().findOption(option.longestName()).getValue())
          .as("%s from %s", option.longestName(), EnvironmentDefaults.variable(option)).isEqualTo(expected);
      assertThat((Object) withoutEnv.getCommandSpec().findOption(option.longestName()).getValue())
          .as("%s without its variable", option.longestName()).isNotEqualTo(expected);
    }
  }

  @Test
  void aFlagWinsOverItsVariable() {
    CommandLine cl = server(Map.of("ERRAND_PORT", "4321", "ERRAND_LOG_FORMAT", "json"));
    cl.parseArgs("--port", "1234", "--log-format", "plain");
    assertThat((int) cl.getCommandSpec().findOption("--port").getValue()).isEqualTo(1234);
    assertThat((LogFormat) cl.getCommandSpec().findOption("--log-format").getValue()).isEqualTo(LogFormat.plain);
  }

  @Test
  void anEmptyVariableCountsAsUnset() {
    CommandLine cl = server(Map.of("ERRAND_PORT", "", "ERRAND_HOST", ""));
    cl.parseArgs();
    assertThat((int) cl.getCommandSpec().findOption("--port").getValue()).isEqualTo(7700);
    assertThat((String) cl.getCommandSpec().findOption("--host").getValue()).isEqualTo("127.0.0.1");
  }

  @Test
  void theReadmeAndTheHelpNameEveryOptionsVariable() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    for (OptionSpec option : options()) {
      String variable = EnvironmentDefaults.variable(option);
      assertThat(readme).as("README table row of %s", option.longestName())
          .contains("| `" + option.longestName() + "` | `" + variable + "` |");
      assertThat(String.join(" ", option.description())).as("help of %s", option.longestName()).contains(variable);
    }
  }

  private static List<OptionSpec> options() {
    return server(Map.of()).getCommandSpec().options().stream()
        .filter(o -> !o.usageHelp() && !o.versionHelp()).toList();
  }

  private static Sample sample(OptionSpec option) {
    Sample s = SAMPLES.get(option.type());
    assertThat(s).as("a sample value for %s of type %s", option.longestName(), option.type()).isNotNull();
    return s;
  }

  private static CommandLine server(Map<String, String> env) {
    CommandLine cl = new CommandLine(new ServerCommand());
    cl.setDefaultValueProvider(new EnvironmentDefaults(env::get));
    return cl;
  }
}
