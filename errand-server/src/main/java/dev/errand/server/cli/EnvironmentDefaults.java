package dev.errand.server.cli;

import java.util.Locale;
import java.util.function.Function;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Defaults every option of a command from the environment by one rule: {@code --tokens-file} reads
 * {@code ERRAND_TOKENS_FILE}, that is {@code ERRAND_} and the long name in upper case with dashes as
 * underscores. A command line flag wins over the variable, and the variable over the option's own default.
 * An empty variable counts as unset, so a compose file or manifest may list a variable without a value.
 *
 * <p>Containers and manifests configure the server through these variables; an option added later gets
 * its variable without another line of code.
 */
final class EnvironmentDefaults implements IDefaultValueProvider {
  private static final String PREFIX = "ERRAND_";

  private final Function<String, String> environment;

  /** Reads the process environment; the no-argument constructor picocli calls for the annotation. */
  EnvironmentDefaults() {
    this(System::getenv);
  }

  EnvironmentDefaults(Function<String, String> environment) {
    this.environment = environment;
  }

  /** The variable that defaults {@code option}: {@code --max-payload} is {@code ERRAND_MAX_PAYLOAD}. */
  static String variable(OptionSpec option) {
    String name = option.longestName().replaceFirst("^-+", "");
    return PREFIX + name.replace('-', '_').toUpperCase(Locale.ROOT);
  }

  @Override
  public String defaultValue(ArgSpec argument) {
    if (!(argument instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
      return null;
    }
    String value = environment.apply(variable(option));
    return value == null || value.isEmpty() ? null : value;
  }
}
