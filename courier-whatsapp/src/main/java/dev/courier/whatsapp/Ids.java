package dev.courier.whatsapp;

import java.security.SecureRandom;
import java.time.Clock;

/**
 * Opaque public ids with a type prefix ({@code msg_…}, {@code ins_…}): 48 bits of milliseconds
 * then 80 random bits in Crockford base32, so ids sort roughly by creation and cannot be guessed.
 */
public final class Ids {
  private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  public static String next(String prefix, Clock clock) {
    long millis = clock.millis();
    byte[] random = new byte[10];
    RANDOM.nextBytes(random);
    char[] out = new char[26];
    // 48-bit time in the first 10 characters (50 bits, top two zero), random in the other 16.
    for (int i = 9; i >= 0; i--) {
      out[i] = ALPHABET[(int) (millis & 31)];
      millis >>>= 5;
    }
    long hi = 0;
    for (int i = 0; i < 5; i++) {
      hi = (hi << 8) | (random[i] & 0xff);
    }
    long lo = 0;
    for (int i = 5; i < 10; i++) {
      lo = (lo << 8) | (random[i] & 0xff);
    }
    for (int i = 17; i >= 10; i--) {
      out[i] = ALPHABET[(int) (hi & 31)];
      hi >>>= 5;
    }
    for (int i = 25; i >= 18; i--) {
      out[i] = ALPHABET[(int) (lo & 31)];
      lo >>>= 5;
    }
    return prefix + "_" + new String(out);
  }
}
