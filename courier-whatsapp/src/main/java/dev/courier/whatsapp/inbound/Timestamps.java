package dev.courier.whatsapp.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Provider times in their several spellings; each read gives null rather than throwing. */
final class Timestamps {
  private Timestamps() {}

  /**
   * Unix seconds as a number, a numeric string (the Cloud API's spelling) or a protobuf Long
   * object {@code {"low": …, "high": …}} (what some Evolution API builds pass through from
   * Baileys).
   */
  static Instant epochSeconds(JsonNode value) {
    Long seconds = number(value);
    return seconds == null || seconds <= 0 ? null : safely(() -> Instant.ofEpochSecond(seconds));
  }

  /** Unix milliseconds as a number or numeric string (WAHA's event time). */
  static Instant epochMillis(JsonNode value) {
    Long millis = number(value);
    return millis == null || millis <= 0 ? null : safely(() -> Instant.ofEpochMilli(millis));
  }

  /** ISO-8601 with an offset or a {@code Z} (the Evolution API's {@code date_time}). */
  static Instant iso(JsonNode value) {
    if (value == null || !value.isTextual()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(value.asText()).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static Long number(JsonNode value) {
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isObject()) {
      // A protobuf Long: the low 32 bits carry every plausible time, high is 0 until 2106.
      JsonNode low = value.get("low");
      JsonNode high = value.get("high");
      if (low == null || !low.canConvertToLong()) {
        return null;
      }
      long highBits = high != null && high.canConvertToLong() ? high.asLong() : 0;
      return (highBits << 32) | (low.asLong() & 0xFFFF_FFFFL);
    }
    if (value.isIntegralNumber() && value.canConvertToLong()) {
      return value.asLong();
    }
    if (value.isTextual()) {
      try {
        return Long.parseLong(value.asText().trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  private static Instant safely(java.util.function.Supplier<Instant> read) {
    try {
      return read.get();
    } catch (DateTimeException | ArithmeticException e) {
      return null;
    }
  }
}
