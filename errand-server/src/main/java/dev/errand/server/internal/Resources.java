package dev.errand.server.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Files the server serves from its jar, read once at start: a missing one is a packaging bug. */
public final class Resources {
  private Resources() {}

  /** The bytes of classpath resource {@code path}; throws IllegalStateException if it is missing. */
  public static byte[] bytes(String path) {
    try (InputStream in = Resources.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The version of the webjar {@code group:artifact} on the classpath, which is part of its served paths. */
  public static String webjarVersion(String group, String artifact) {
    Properties p = new Properties();
    String path = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (InputStream in = Resources.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("the " + artifact + " webjar is not on the classpath");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("version");
  }
}
