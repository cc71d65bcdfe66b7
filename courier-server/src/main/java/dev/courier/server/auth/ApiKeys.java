package dev.courier.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/** API key text: {@code ck_} and 32 random bytes in base64url; stored only as its SHA-256 hash. */
public final class ApiKeys {
  public static final String PREFIX = "ck_";
  private static final int RANDOM_BYTES = 32;
  private static final int SHOWN_PREFIX_LENGTH = 8;
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

  /** The first characters of a key, safe to show in listings. */
  public static String shownPrefix(String key) {
    return key.substring(0, Math.min(SHOWN_PREFIX_LENGTH, key.length()));
  }

  /** A new random id with {@code prefix}, such as {@code key_3fa9...}. */
  public static String newId(String prefix) {
    byte[] bytes = new byte[12];
    RANDOM.nextBytes(bytes);
    return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
