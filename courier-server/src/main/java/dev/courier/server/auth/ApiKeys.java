package dev.courier.server.auth;

import dev.courier.whatsapp.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;

/** API key text: {@code ck_} and 32 random bytes in base64url; stored only as its SHA-256 hash. */
public final class ApiKeys {
  public static final String PREFIX = "ck_";
  private static final int RANDOM_BYTES = 32;
  /** Shown characters of a generated key: {@code ck_} and 8 of its 43 random characters (48 of 256 bits). */
  public static final int SHOWN_PREFIX_LENGTH = 11;
  /** Shown characters of a key chosen by the operator ({@code COURIER_API_KEY}), which may be short. */
  private static final int SHOWN_PREFIX_LENGTH_CONFIGURED = 8;
  /** Longer than any key Courier would accept: such a header is refused without a database look-up. */
  public static final int MAX_LENGTH = 512;
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeys() {}

  /** A new random key. */
  public static String generate() {
    byte[] bytes = new byte[RANDOM_BYTES];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** SHA-256 of the key's UTF-8 bytes. */
  public static byte[] hash(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * The first characters of a key, safe to show in listings and enough to tell keys apart: {@code
   * ck_} and 8 more for generated keys, the first 8 for a key set through {@code COURIER_API_KEY}.
   */
  public static String shownPrefix(String key) {
    int n = key.startsWith(PREFIX) ? SHOWN_PREFIX_LENGTH : SHOWN_PREFIX_LENGTH_CONFIGURED;
    return key.substring(0, Math.min(n, key.length()));
  }

  /** Whether {@code text} could be a key at all (printable ASCII, no spaces, not absurdly long). */
  public static boolean plausible(String text) {
    return !text.isEmpty() && text.length() <= MAX_LENGTH && text.chars().allMatch(c -> c > 32 && c < 127);
  }

  /** A new id with {@code prefix} (without its underscore), such as {@code key_01jf...}. */
  public static String newId(String prefix) {
    return Ids.next(prefix, Clock.systemUTC());
  }
}
