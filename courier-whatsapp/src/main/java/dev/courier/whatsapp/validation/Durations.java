package dev.courier.whatsapp.validation;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses Courier's duration strings: a whole number and a unit, such as {@code 500ms}, {@code 8s}, {@code 2m}, {@code 7d}. */
public final class Durations {
  /** What a duration looks like, for error messages. */
  public static final String FORMAT = "a duration such as 500ms, 8s, 2m, 1h or 7d";

  private static final Pattern SHAPE = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h|d)");

  private Durations() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming what is allowed when the text is not a duration
   */
  public static Duration parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("must be " + FORMAT);
    }
    Matcher m = SHAPE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("must be " + FORMAT);
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      case "d" -> Duration.ofDays(amount);
      default -> throw new IllegalArgumentException("must be " + FORMAT);
    };
  }

  /** The shortest exact text for {@code d} in the same notation ({@code 8s}, {@code 1500ms}). */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 86_400_000L == 0 && ms != 0) {
      return ms / 86_400_000L + "d";
    }
    if (ms % 3_600_000L == 0 && ms != 0) {
      return ms / 3_600_000L + "h";
    }
    if (ms % 60_000L == 0 && ms != 0) {
      return ms / 60_000L + "m";
    }
    if (ms % 1000L == 0) {
      return ms / 1000L + "s";
    }
    return ms + "ms";
  }
}
