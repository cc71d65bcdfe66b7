package dev.courier.queue;

import java.util.Locale;

/**
 * Job priorities: 0 is most urgent, 9 is bulk, 5 is the default. Lower runs first; ties run in
 * enqueue order. The names {@code urgent}=0, {@code high}=2, {@code normal}=5, {@code low}=7 and
 * {@code bulk}=9 are accepted wherever a number is.
 */
public final class Priority {
  public static final int URGENT = 0;
  public static final int HIGH = 2;
  public static final int NORMAL = 5;
  public static final int LOW = 7;
  public static final int BULK = 9;
  public static final int DEFAULT = NORMAL;

  private Priority() {}

  /**
   * Parses {@code "0"}..{@code "9"} or a name.
   *
   * @throws IllegalArgumentException naming the value and what is allowed
   */
  public static int parse(String value) {
    if (value == null) {
      throw new IllegalArgumentException("priority: must be 0-9 or urgent, high, normal, low, bulk");
    }
    String v = value.trim().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "urgent" -> URGENT;
      case "high" -> HIGH;
      case "normal" -> NORMAL;
      case "low" -> LOW;
      case "bulk" -> BULK;
      default -> {
        if (v.length() == 1 && Character.isDigit(v.charAt(0))) {
          yield v.charAt(0) - '0';
        }
        throw new IllegalArgumentException(
            "priority: '" + value + "' is not 0-9 or one of urgent, high, normal, low, bulk");
      }
    };
  }

  /** Checks a numeric priority. */
  public static int check(int priority) {
    if (priority < 0 || priority > 9) {
      throw new IllegalArgumentException("priority: " + priority + " is out of range 0-9");
    }
    return priority;
  }
}
