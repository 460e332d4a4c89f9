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
 * one {@code TOKEN ROLE [queues=PATTERNS]} per entry, role one of {@code reader}, {@code producer},
 * {@code worker}, {@code admin}; the optional {@code queues=billing,mail.*} limits the token to those
 * queues ({@link QueueScope}; the commas in it separate patterns, not entries: a piece without a space
 * continues the patterns of the entry before it). Blank lines and lines starting with {@code #} (commas
 * in them included) are ignored. Tokens are at least {@value #MIN_TOKEN_LENGTH} printable characters
 * without spaces.
 */
public final class Tokens {
  public static final int MIN_TOKEN_LENGTH = 16;
  public static final Tokens NONE = new Tokens(List.of());

  private record Entry(byte[] hash, Role role, QueueScope queues) {}

  /** What a token may do: its role, on the queues of its scope. */
  public record Grant(Role role, QueueScope queues) {}

  private static final String QUEUES = "queues=";

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
      List<String> texts = new ArrayList<>();
      for (String piece : pieces) {
        String entry = piece.strip();
        int last = texts.size() - 1;
        if (!entry.isEmpty() && last >= 0 && !entry.contains(" ") && !entry.contains("\t")
            && texts.get(last).contains(QUEUES)) {
          texts.set(last, texts.get(last) + "," + entry); // one more queue pattern of the entry before
        } else if (!entry.isEmpty()) {
          texts.add(entry);
        }
      }
      for (int p = 0; p < texts.size(); p++) {
        entries.add(entry(texts.get(p), source + " line " + (l + 1) + (texts.size() > 1 ? " entry " + (p + 1) : "")));
      }
    }
    return new Tokens(entries);
  }

  private static Entry entry(String text, String where) {
    String[] parts = text.split("\\s+");
    if (parts.length != 2 && (parts.length != 3 || !parts[2].startsWith(QUEUES))) {
      throw new IllegalArgumentException(where + " must be 'TOKEN ROLE' or 'TOKEN ROLE queues=PATTERN,...'");
    }
    QueueScope queues;
    try {
      queues = parts.length == 3 ? QueueScope.parse(parts[2].substring(QUEUES.length())) : QueueScope.ALL;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    Role role = Role.parse(parts[1]);
    if (role == null) {
      throw new IllegalArgumentException(where + " has role '" + parts[1] + "'; expected reader, producer, worker or admin");
    }
    if (parts[0].length() < MIN_TOKEN_LENGTH || !parts[0].chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException(where + " has a token that is not at least " + MIN_TOKEN_LENGTH
          + " printable ASCII characters");
    }
    return new Entry(sha256(parts[0]), role, queues);
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  public int size() {
    return entries.size();
  }

  /** The role of {@code token}, if it is one of ours. */
  public Optional<Role> roleOf(String token) {
    return grantOf(token).map(Grant::role);
  }

  /** The role and queues of {@code token}, if it is one of ours. Compares with every entry, whatever matches. */
  public Optional<Grant> grantOf(String token) {
    byte[] hash = sha256(token);
    Grant found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.hash, hash) && found == null) {
        found = new Grant(e.role, e.queues);
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
