package dev.errand.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The bearer tokens the server accepts, each with its role. Only SHA-256 hashes are kept, and a presented
 * token is compared with every one in constant time, so neither timing nor a heap dump reveals a token.
 * Tokens are never logged. Immutable and thread-safe.
 *
 * <p>Text format (a tokens file, or {@code ERRAND_TOKENS} with entries separated by commas or newlines):
 * one {@code TOKEN ROLE} per entry, role one of {@code producer}, {@code worker}, {@code admin};
 * blank lines and lines starting with {@code #} are ignored. Tokens are at least
 * {@value #MIN_TOKEN_LENGTH} printable characters without spaces.
 */
public final class Tokens {
  public static final int MIN_TOKEN_LENGTH = 16;
  public static final Tokens NONE = new Tokens(List.of());

  private record Entry(byte[] hash, Role role) {}

  private final List<Entry> entries;

  private Tokens(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /**
   * Parses {@code text}; {@code source} names it in error messages (never a token).
   *
   * @throws IllegalArgumentException naming the line of a bad entry
   */
  public static Tokens parse(String text, String source) {
    List<Entry> entries = new ArrayList<>();
    String[] lines = text.split("[,\\n]");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      String where = source + " entry " + (i + 1);
      if (parts.length != 2) {
        throw new IllegalArgumentException(where + " must be 'TOKEN ROLE'");
      }
      Role role = Role.parse(parts[1]);
      if (role == null) {
        throw new IllegalArgumentException(where + " has role '" + parts[1] + "'; expected reader, producer, worker or admin");
      }
      if (parts[0].length() < MIN_TOKEN_LENGTH || !parts[0].chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
        throw new IllegalArgumentException(where + " has a token that is not at least " + MIN_TOKEN_LENGTH
            + " printable ASCII characters");
      }
      entries.add(new Entry(sha256(parts[0]), role));
    }
    return new Tokens(entries);
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  public int size() {
    return entries.size();
  }

  /** The role of {@code token}, if it is one of ours. Compares with every entry, whatever matches. */
  public Optional<Role> roleOf(String token) {
    byte[] hash = sha256(token);
    Role found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.hash, hash) && found == null) {
        found = e.role;
      }
    }
    return Optional.ofNullable(found);
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
