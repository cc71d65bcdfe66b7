package dev.courier.whatsapp.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Lenient reads of provider JSON: absent, null, empty and wrongly typed all read as absent. */
final class JsonFields {
  private JsonFields() {}

  /** A string or number field as text, or null when it is absent, null, blank or a container. */
  static String text(JsonNode node, String field) {
    if (node == null) {
      return null;
    }
    JsonNode value = node.get(field);
    if (value == null || !value.isValueNode() || value.isNull()) {
      return null;
    }
    String text = value.asText();
    return text.isBlank() ? null : text;
  }

  /** {@link #text} in upper case, for matching providers' enum-like words whatever their case. */
  static String upper(JsonNode node, String field) {
    String text = text(node, field);
    return text == null ? null : text.toUpperCase(Locale.ROOT);
  }

  /** True only for a JSON {@code true} or the string {@code "true"}. */
  static boolean isTrue(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    return value != null
        && (value.isBoolean() ? value.booleanValue() : "true".equalsIgnoreCase(value.asText()));
  }

  /** True only for a JSON {@code false} or the string {@code "false"}: absent is not false. */
  static boolean isFalse(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    return value != null
        && (value.isBoolean() ? !value.booleanValue() : "false".equalsIgnoreCase(value.asText()));
  }

  /**
   * The objects in an array field; an object stands for a one-element array. Elements that are not
   * objects are left out: every list a provider sends is a list of objects.
   */
  static List<JsonNode> elements(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    return elementsOf(value);
  }

  /** The objects in an array; an object stands for a one-element array; else none. */
  static List<JsonNode> elementsOf(JsonNode value) {
    if (value == null) {
      return List.of();
    }
    if (value.isArray()) {
      List<JsonNode> elements = new ArrayList<>(value.size());
      for (JsonNode element : value) {
        if (element.isObject()) {
          elements.add(element);
        }
      }
      return elements;
    }
    return value.isObject() ? List.of(value) : List.of();
  }

  /** The first non-null of the given values, or null. */
  @SafeVarargs
  static <T> T firstNonNull(T... values) {
    for (T value : values) {
      if (value != null) {
        return value;
      }
    }
    return null;
  }
}
