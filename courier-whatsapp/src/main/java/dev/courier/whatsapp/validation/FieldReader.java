package dev.courier.whatsapp.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads typed fields out of a JSON request, collecting every problem with the field's path instead
 * of stopping at the first, so one answer names all invalid fields.
 */
public final class FieldReader {
  /** The longest duration any field takes (ten years). */
  public static final Duration MAX_DURATION = Duration.ofDays(3650);

  private final List<FieldError> errors = new ArrayList<>();

  /** Refuses a request body that is not a JSON object (one error on the whole body, field {@code ""}). */
  public static void requireObject(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw new InvalidRequestException("", "the body must be a JSON object");
    }
  }

  public static String path(String prefix, String name) {
    return prefix == null || prefix.isEmpty() ? name : prefix + "." + name;
  }

  public void error(String field, String message) {
    errors.add(new FieldError(field, message));
  }

  public List<FieldError> errors() {
    return errors;
  }

  public boolean ok() {
    return errors.isEmpty();
  }

  /** Throws {@link InvalidRequestException} when any field was invalid. */
  public void throwIfInvalid() {
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
  }

  /** The object at {@code name}, or null when absent; an error when present but not an object. */
  public JsonNode object(JsonNode parent, String prefix, String name, boolean required) {
    JsonNode n = parent == null ? null : parent.get(name);
    if (n == null || n.isNull()) {
      if (required) {
        error(path(prefix, name), "is required");
      }
      return null;
    }
    if (!n.isObject()) {
      error(path(prefix, name), "must be an object");
      return null;
    }
    return n;
  }

  public String text(JsonNode parent, String prefix, String name, boolean required) {
    JsonNode n = parent == null ? null : parent.get(name);
    if (n == null || n.isNull()) {
      if (required) {
        error(path(prefix, name), "is required");
      }
      return null;
    }
    if (!n.isTextual()) {
      error(path(prefix, name), "must be a string");
      return null;
    }
    if (required && n.asText().isBlank()) {
      error(path(prefix, name), "must not be blank");
      return null;
    }
    return n.asText();
  }

  /** One of {@code allowed}, or {@code fallback} when absent. */
  public String choice(JsonNode parent, String prefix, String name, Set<String> allowed, String fallback) {
    String v = text(parent, prefix, name, fallback == null);
    if (v == null) {
      return fallback;
    }
    if (!allowed.contains(v)) {
      error(path(prefix, name), "must be one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
      return fallback;
    }
    return v;
  }

  public Integer integer(JsonNode parent, String prefix, String name, boolean required, long min, long max) {
    JsonNode n = parent == null ? null : parent.get(name);
    if (n == null || n.isNull()) {
      if (required) {
        error(path(prefix, name), "is required");
      }
      return null;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < min || n.asLong() > max) {
      error(path(prefix, name), "must be a whole number from " + min + " to " + max);
      return null;
    }
    return (int) n.asLong();
  }

  public Double number(JsonNode parent, String prefix, String name, double min, double max) {
    JsonNode n = parent == null ? null : parent.get(name);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isNumber() || n.asDouble() < min || n.asDouble() > max) {
      error(path(prefix, name), "must be a number from " + min + " to " + max);
      return null;
    }
    return n.asDouble();
  }

  public Boolean bool(JsonNode parent, String prefix, String name) {
    JsonNode n = parent == null ? null : parent.get(name);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isBoolean()) {
      error(path(prefix, name), "must be true or false");
      return null;
    }
    return n.asBoolean();
  }

  /** A duration string ({@code 500ms}, {@code 8s}), or null when absent. */
  public Duration duration(JsonNode parent, String prefix, String name, boolean required) {
    String v = text(parent, prefix, name, required);
    if (v == null) {
      return null;
    }
    try {
      Duration d = Durations.parse(v);
      if (d.compareTo(MAX_DURATION) > 0) {
        // Longer spans overflow the microsecond arithmetic of limiters and job times.
        error(path(prefix, name), "must be at most " + Durations.format(MAX_DURATION));
        return null;
      }
      return d;
    } catch (IllegalArgumentException e) {
      error(path(prefix, name), e.getMessage());
      return null;
    }
  }

  public OffsetDateTime time(JsonNode parent, String prefix, String name) {
    String v = text(parent, prefix, name, false);
    if (v == null) {
      return null;
    }
    try {
      OffsetDateTime t = OffsetDateTime.parse(v);
      if (t.getYear() < 1970 || t.getYear() > 9999) {
        error(path(prefix, name), "must be in the years 1970 to 9999");
        return null;
      }
      return t;
    } catch (DateTimeParseException e) {
      error(path(prefix, name), "must be an ISO-8601 time with an offset, e.g. 2026-12-01T09:00:00-03:00");
      return null;
    }
  }

  public LocalTime localTime(JsonNode parent, String prefix, String name, boolean required) {
    String v = text(parent, prefix, name, required);
    if (v == null) {
      return null;
    }
    try {
      return LocalTime.parse(v);
    } catch (DateTimeParseException e) {
      error(path(prefix, name), "must be a local time such as 08:00");
      return null;
    }
  }

  public ZoneId zone(JsonNode parent, String prefix, String name, boolean required) {
    String v = text(parent, prefix, name, required);
    if (v == null) {
      return null;
    }
    try {
      return ZoneId.of(v);
    } catch (RuntimeException e) {
      error(path(prefix, name), "must be a time zone such as America/Sao_Paulo");
      return null;
    }
  }

  /** Reports every field of {@code obj} not in {@code allowed}. */
  public void onlyKnown(JsonNode obj, String prefix, Set<String> allowed) {
    if (obj == null || !obj.isObject()) {
      return;
    }
    for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        error(path(prefix, f), "unknown field");
      }
    }
  }
}
