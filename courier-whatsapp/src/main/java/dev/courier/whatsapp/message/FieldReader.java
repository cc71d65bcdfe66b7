package dev.courier.whatsapp.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Reads the fields of one JSON object of a request. Getters check the value's type and report what
 * is wrong under the field's path from the message root. Every field is asked for by its Cloud API
 * (snake_case) name and is also found under its camelCase spelling ({@code preview_url} and {@code
 * previewUrl}); paths name the spelling the caller used. JSON {@code null} counts as absent, since
 * many clients serialise unset fields that way. {@link #finish()} then reports the fields nobody
 * asked for, unless the call is lenient.
 */
final class FieldReader {
  private final String path;
  private final ObjectNode source;
  private final Problems problems;
  private final Set<String> asked = new HashSet<>();
  private final Map<String, String> spellings = new HashMap<>();

  private FieldReader(String path, ObjectNode source, Problems problems) {
    this.path = path;
    this.source = source;
    this.problems = problems;
  }

  /** The reader of {@code node}, or null (and an error at {@code path}) when it is not an object. */
  static FieldReader of(String path, JsonNode node, Problems problems) {
    if (node instanceof ObjectNode object) {
      return new FieldReader(path, object, problems);
    }
    problems.add(path, "must be an object");
    return null;
  }

  String path() {
    return path;
  }

  Problems problems() {
    return problems;
  }

  /** The path of a field, in the spelling the caller used (snake_case when the field is absent). */
  String pathOf(String name) {
    return path + "." + spellings.getOrDefault(name, name);
  }

  void error(String name, String message) {
    problems.add(pathOf(name), message);
  }

  /** Whether the field is given (not absent, not null), without asking for it. */
  boolean has(String name) {
    return present(source.get(name)) != null || present(source.get(camel(name))) != null;
  }

  /** The field's value, or null when absent. */
  JsonNode value(String name) {
    String camel = camel(name);
    asked.add(name);
    asked.add(camel);
    JsonNode snakeValue = present(source.get(name));
    JsonNode camelValue = camel.equals(name) ? null : present(source.get(camel));
    if (snakeValue != null && camelValue != null) {
      problems.add(path + "." + camel, "given twice, as " + camel + " and " + name);
    }
    if (snakeValue == null && camelValue != null) {
      spellings.put(name, camel);
      return camelValue;
    }
    return snakeValue;
  }

  /** An optional string, any content. */
  String string(String name) {
    JsonNode value = value(name);
    if (value == null) {
      return null;
    }
    if (!value.isTextual()) {
      error(name, "must be a string");
      return null;
    }
    return value.textValue();
  }

  /** A required non-blank string of at most {@code max} characters; null when wrong or absent. */
  String requiredText(String name, int max) {
    if (!has(name)) {
      value(name);
      error(name, "is required");
      return null;
    }
    return optionalText(name, max);
  }

  /** An optional string that, when given, is non-blank and at most {@code max} characters. */
  String optionalText(String name, int max) {
    String text = string(name);
    if (text == null) {
      return null;
    }
    if (text.isBlank()) {
      error(name, "must not be blank");
      return null;
    }
    if (max != Texts.UNLIMITED && Texts.length(text) > max) {
      error(name, "at most " + max + " characters");
      return null;
    }
    return text;
  }

  Boolean bool(String name) {
    JsonNode value = value(name);
    if (value == null) {
      return null;
    }
    if (!value.isBoolean()) {
      error(name, "must be a boolean");
      return null;
    }
    return value.booleanValue();
  }

  /** A nested object's reader; null when absent (an error if required) or not an object. */
  FieldReader object(String name, boolean required) {
    JsonNode value = value(name);
    if (value == null) {
      if (required) {
        error(name, "is required");
      }
      return null;
    }
    return of(pathOf(name), value, problems);
  }

  /** A nested array; null when absent (an error if required) or not an array. */
  ArrayNode array(String name, boolean required) {
    JsonNode value = value(name);
    if (value == null) {
      if (required) {
        error(name, "is required");
      }
      return null;
    }
    if (!(value instanceof ArrayNode array)) {
      error(name, "must be an array");
      return null;
    }
    return array;
  }

  /**
   * A field the Cloud API does not take in this place although it does elsewhere (a caption on
   * audio): strict calls say so in {@code message}, lenient calls drop it like any unknown field.
   */
  void refuse(String name, String message) {
    boolean given = has(name);
    value(name);
    if (given && !problems.lenient()) {
      error(name, message);
    }
  }

  /** Reports the fields nobody asked for (strict calls); lenient calls leave them out silently. */
  void finish() {
    if (problems.lenient()) {
      return;
    }
    for (Iterator<String> names = source.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!asked.contains(name)) {
        problems.add(path + "." + name, "unknown field");
      }
    }
  }

  private static JsonNode present(JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode() ? null : node;
  }

  /** {@code preview_url} to {@code previewUrl}, {@code amount_1000} to {@code amount1000}. */
  static String camel(String snake) {
    StringBuilder out = new StringBuilder(snake.length());
    boolean upper = false;
    for (int i = 0; i < snake.length(); i++) {
      char c = snake.charAt(i);
      if (c == '_') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }
}
