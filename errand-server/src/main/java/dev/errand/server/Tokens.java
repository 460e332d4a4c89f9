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
 * one {@code TOKEN ROLE} per entry, role one of {@code reader}, {@code producer}, {@code worker},
 * {@code admin}; blank lines and lines starting with {@code #} (commas in them included) are ignored. Tokens are at least
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
    String[] lines = text.split("\n");
    for (int l = 0; l < lines.length; l++) {
      // Comments first: a comment is free text, so a comma in it separates nothing.
      if (lines[l].strip().startsWith("#")) {
        continue;
      }
      String[] pieces = lines[l].split(",");
      for (int p = 0; p < pieces.length; p++) {
        String entry = pieces[p].strip();
        if (!entry.isEmpty()) {
          entries.add(entry(entry, source + " line " + (l + 1) + (pieces.length > 1 ? " entry " + (p + 1) : "")));
        }
      }
    }
    return new Tokens(entries);
  }

  private static Entry entry(String text, String where) {
    String[] parts = text.split("\\s+");
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
    return new Entry(sha256(parts[0]), role);
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
