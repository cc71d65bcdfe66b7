package dev.courier.whatsapp.message;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.validation.FieldError;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: JSON written with single quotes, and one validation call's result. */
final class Validation {
  private static final JsonMapper MAPPER = JsonMapper.builder().enable(JsonReadFeature.ALLOW_SINGLE_QUOTES).build();

  /** What one call returned and which errors it appended. */
  record Result(ObjectNode content, List<FieldError> errors) {}

  private Validation() {}

  static JsonNode json(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Result strict(String type, String content) {
    return run(type, content == null ? null : json(content), ContentValidator.Mode.STRICT);
  }

  static Result lenient(String type, String content) {
    return run(type, content == null ? null : json(content), ContentValidator.Mode.LENIENT);
  }

  static Result run(String type, JsonNode content, ContentValidator.Mode mode) {
    List<FieldError> errors = new ArrayList<>();
    ObjectNode canonical = ContentValidator.validate(type, content, errors, mode);
    return new Result(canonical, errors);
  }

  static FieldError error(String field, String message) {
    return new FieldError(field, message);
  }
}
