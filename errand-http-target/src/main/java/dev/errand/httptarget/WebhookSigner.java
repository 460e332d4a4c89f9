package dev.errand.httptarget;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs target requests by the Standard Webhooks scheme: {@code webhook-id} (the task id, the same on every
 * attempt), {@code webhook-timestamp} (Unix seconds) and {@code webhook-signature: v1,<base64 of
 * HMAC-SHA256(secret, "id.timestamp.body")>}. The keys come from a file of {@code KEY_ID SECRET} lines
 * (a secret is base64, optionally prefixed {@code whsec_}); the last line is the newest key and signs, and
 * the earlier ones stay listed so receivers can be told which keys to accept while they rotate. Immutable
 * and thread-safe.
 */
public final class WebhookSigner {
  public static final String ID = "webhook-id";
  public static final String TIMESTAMP = "webhook-timestamp";
  public static final String SIGNATURE = "webhook-signature";

  /** One key: its id (for operators) and its secret bytes. */
  public record Key(String id, byte[] secret) {}

  private final List<Key> keys;

  private WebhookSigner(List<Key> keys) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("webhook keys: at least one key is required");
    }
    this.keys = List.copyOf(keys);
  }

  /** Reads {@code KEY_ID SECRET} lines; blank lines and lines starting with # are skipped. */
  public static WebhookSigner parse(String text, String source) {
    List<Key> keys = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      String[] parts = l.split("\\s+");
      if (parts.length != 2) {
        throw new IllegalArgumentException(source + " line " + n + ": expected 'KEY_ID SECRET'");
      }
      String secret = parts[1].startsWith("whsec_") ? parts[1].substring(6) : parts[1];
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(secret);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(source + " line " + n + ": the secret of key " + parts[0] + " is not base64");
      }
      if (bytes.length < 16) {
        throw new IllegalArgumentException(source + " line " + n + ": the secret of key " + parts[0]
            + " must be at least 16 bytes (24 base64 characters)");
      }
      if (!ids.add(parts[0])) {
        throw new IllegalArgumentException(source + " line " + n + ": key " + parts[0] + " is listed twice");
      }
      keys.add(new Key(parts[0], bytes));
    }
    return new WebhookSigner(keys);
  }

  public static WebhookSigner read(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8), "webhook keys file " + file);
  }

  /** The key that signs: the newest, listed last. */
  public Key signingKey() {
    return keys.get(keys.size() - 1);
  }

  /** Every key id, oldest first. */
  public List<String> keyIds() {
    return keys.stream().map(Key::id).toList();
  }

  /** The {@code webhook-signature} value for one request. */
  public String signature(String id, long timestampSeconds, byte[] body) {
    return "v1," + sign(signingKey().secret(), id, timestampSeconds, body);
  }

  /** Base64 of HMAC-SHA256 over {@code id.timestamp.body}: the scheme's signature, for any key. */
  public static String sign(byte[] secret, String id, long timestampSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      mac.update((id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
      mac.update(body);
      return Base64.getEncoder().encodeToString(mac.doFinal());
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  @Override
  public String toString() {
    return "WebhookSigner" + keyIds() + " (signing with " + signingKey().id() + ")";
  }
}
