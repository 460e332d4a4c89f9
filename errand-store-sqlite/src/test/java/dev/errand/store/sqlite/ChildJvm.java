package dev.errand.store.sqlite;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Starts {@link StoreChild} in a new JVM: the test's own java binary and classpath. */
final class ChildJvm {
  private ChildJvm() {}

  static Process start(String mode, Path directory, Path stderr) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = List.of(java.toString(), "--enable-native-access=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), StoreChild.class.getName(), mode, directory.toString());
    return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
  }
}
