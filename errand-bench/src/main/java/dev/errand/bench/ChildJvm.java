package dev.errand.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.core.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a main class of this jar ({@link LoadGenerator}, {@link HttpWorkers}) in a JVM of its own, on
 * this JVM's class path, so the load it generates does not share a process with what it measures, and
 * returns the JSON line it printed last.
 */
final class ChildJvm {
  private ChildJvm() {}

  static JsonNode run(Class<?> main, String... args) throws Exception {
    // A bounded heap: the load generators need little, and the machine may be shared with the server measured.
    List<String> command = new ArrayList<>(List.of(ServerProcess.javaBinary(), "-Xmx512m", "-cp",
        System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int code = p.waitFor();
    String last = null;
    for (String line : output.split("\n")) {
      if (line.startsWith("{")) {
        last = line;
      }
    }
    if (code != 0 || last == null) {
      throw new IllegalStateException(main.getSimpleName() + " failed with exit code " + code + ":\n" + output);
    }
    return Json.DEFAULT_MAPPER.readTree(last);
  }
}
