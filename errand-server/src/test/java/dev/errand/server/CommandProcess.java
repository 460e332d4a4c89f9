package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@code errand server} command in a child JVM on this test's class path, with the production
 * logging configuration, on a free port over {@code dir}. Its output (stdout and stderr together) is
 * read line by line as it comes; {@link #start} returns once it says where it listens.
 *
 * @param lines the output up to and with the listening line
 * @param more the output after it, as it comes
 */
record CommandProcess(Process process, String url, String store, long millis, List<String> lines,
    BlockingQueue<String> more) {
  private static final Pattern LISTENING = Pattern.compile("listening on (http://[0-9.]+:\\d+) with store (\\S+)");

  static CommandProcess start(Path dir, String... extra) throws IOException {
    return start(dir, Map.of(), false, extra);
  }

  /**
   * As {@link #start(Path, String...)}, with {@code env} added to the child's environment; with
   * {@code stdoutOnly} its stderr is discarded, so only what it writes to stdout is read.
   */
  static CommandProcess start(Path dir, Map<String, String> env, boolean stdoutOnly, String... extra)
      throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    long start = System.nanoTime();
    // The production logging configuration, not the test one that core's test classes bring along.
    List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
        "-Dlogback.configurationFile=logback.xml", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "server", "--port", "0", "--data", dir.toString()));
    command.addAll(List.of(extra));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(env);
    if (stdoutOnly) {
      builder.redirectError(ProcessBuilder.Redirect.DISCARD);
    } else {
      builder.redirectErrorStream(true);
    }
    Process p = builder.start();
    BlockingQueue<String> output = new LinkedBlockingQueue<>();
    Thread.ofVirtual().start(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          output.add(line);
        }
      } catch (IOException e) {
        // the process ended
      }
    });
    List<String> seen = new ArrayList<>();
    Matcher[] found = new Matcher[1];
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(10)).until(() -> {
      for (String line = output.poll(); line != null; line = output.poll()) {
        seen.add(line);
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          found[0] = m;
          return true;
        }
      }
      return !p.isAlive();
    });
    assertThat(found[0]).as("output: %s", seen).isNotNull();
    long millis = (System.nanoTime() - start) / 1_000_000;
    return new CommandProcess(p, found[0].group(1), found[0].group(2), millis, seen, output);
  }
}
