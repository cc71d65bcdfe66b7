package dev.courier.whatsapp.inbound;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tells whether a provider callback really comes from the provider.
 *
 * <p>The Cloud API signs every callback with the app secret: header {@value #HEADER} is {@code
 * sha256=} followed by the hex HMAC-SHA256 of the raw request body. The HMAC must be computed over
 * the bytes as received: re-serialized JSON differs (key order, escapes, spaces) and never
 * matches. Gateways (Evolution API, WAHA) instead present a shared secret (an API key in a header
 * or in the body), checked with {@link #secretMatches}.
 *
 * <p>Every comparison takes the same time whatever the inputs hold, so that a caller cannot find
 * a valid signature or secret byte by byte from response times.
 */
public final class WebhookSignature {
  /** The Cloud API's signature header. */
  public static final String HEADER = "X-Hub-Signature-256";

  private static final String PREFIX = "sha256=";
  private static final String ALGORITHM = "HmacSHA256";
  private static final int SHA256_HEX_LENGTH = 64;

  private WebhookSignature() {}

  /**
   * The {@value #HEADER} value the Cloud API would send for this body: {@code sha256=} and the
   * lowercase hex HMAC-SHA256 of {@code body} keyed with {@code appSecret}.
   *
   * @throws IllegalArgumentException when the secret is null or empty
   */
  public static String sign(byte[] body, String appSecret) {
    Objects.requireNonNull(body, "body");
    return PREFIX + HexFormat.of().formatHex(hmac(body, appSecret));
  }

  /**
   * Whether {@code header} is a valid {@value #HEADER} for {@code body}. False, never an
   * exception, for a missing or malformed header (no {@code sha256=} prefix, not 64 hex digits),
   * for a missing body and for an unset secret: a number with no app secret configured must not
   * accept unsigned callbacks. Hex digits are accepted in either case.
   */
  public static boolean verify(byte[] body, String header, String appSecret) {
    if (body == null || header == null || appSecret == null || appSecret.isEmpty()) {
      return false;
    }
    String value = header.strip();
    if (!value.startsWith(PREFIX) || value.length() != PREFIX.length() + SHA256_HEX_LENGTH) {
      return false;
    }
    byte[] presented;
    try {
      presented = HexFormat.of().parseHex(value, PREFIX.length(), value.length());
    } catch (IllegalArgumentException notHex) {
      return false;
    }
    return MessageDigest.isEqual(hmac(body, appSecret), presented);
  }

  /**
   * Whether a gateway presented the shared secret it was configured with. False when either is
   * null or the expected one is empty. Both are hashed first so that the comparison takes the
   * same time whatever their lengths: {@link MessageDigest#isEqual} alone would still reveal the
   * expected secret's length.
   */
  public static boolean secretMatches(String presented, String expected) {
    if (presented == null || expected == null || expected.isEmpty()) {
      return false;
    }
    return MessageDigest.isEqual(sha256(presented), sha256(expected));
  }

  private static byte[] hmac(byte[] body, String secret) {
    if (secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("an app secret is required to sign a callback");
    }
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      // Every JDK ships HmacSHA256; reaching this means a broken runtime, not bad input.
      throw new IllegalStateException(ALGORITHM + " is not available", e);
    }
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
