package dev.courier.whatsapp.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.validation.FieldError;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a message's content and turns it into the canonical Cloud API object that providers get
 * ({@link dev.courier.whatsapp.provider.OutboundMessage#content()}). Pure: no I/O, thread-safe.
 *
 * <p>Input is the member of a send request named after the type ({@code "text": {"body": "Olá!",
 * "previewUrl": false}}), with the Cloud API's object and field names. Every snake_case field is
 * also accepted in camelCase ({@code preview_url}/{@code previewUrl}, {@code message_id}/{@code
 * messageId}, {@code formatted_name}/{@code formattedName}, ...); giving both spellings is an error.
 * JSON {@code null} counts as absent.
 *
 * <p>Output, the canonical form, is what Meta's {@code POST /{phone-number-id}/messages} takes for
 * that member: snake_case names only, known fields only, in the order of Meta's reference, with
 * nothing added that the caller did not say except where a field has one possible value (a reply
 * button's {@code "type": "reply"}, a CTA action's {@code "name": "cta_url"}). Other
 * normalisations: a template's {@code "language": "pt_BR"} becomes {@code {"code": "pt_BR"}};
 * language codes become {@code ll_CC}; template button indexes become strings; coordinates become
 * JSON numbers. Contacts come back wrapped as {@code {"contacts": [...]}} (see {@link
 * WireContent}). Canonical content validates to itself: validating it again changes nothing.
 *
 * <p>Errors are appended as {@link FieldError}s with paths from the message root ({@code
 * text.body}, {@code interactive.action.buttons[3]}), naming fields as the caller spelled them.
 * Strict mode, for Courier's own API, reports unknown fields ({@code image.foo: unknown field});
 * lenient mode, for the Cloud-API-compatible endpoint, drops them silently as Meta ignores them.
 * Both modes report everything else alike.
 */
public final class ContentValidator {
  /** What to do with fields Courier does not know. */
  public enum Mode {
    /** Report them: a typo in Courier's own API should not vanish. */
    STRICT,
    /** Drop them, as the Cloud API does. */
    LENIENT
  }

  private ContentValidator() {}

  /** {@link #validate(String, JsonNode, List, Mode)} in {@link Mode#STRICT} mode. */
  public static ObjectNode validate(String type, JsonNode content, List<FieldError> errors) {
    return validate(type, content, errors, Mode.STRICT);
  }

  /**
   * Validates {@code content} of a message of {@code type}.
   *
   * @param type the message's {@code type}, one of {@link MessageTypes#ALL}
   * @param content the request's member named after the type (null or missing when the request has
   *     none)
   * @param errors where errors go; the list may already hold errors of other fields
   * @return the canonical content, or null when this call appended any error
   */
  public static ObjectNode validate(String type, JsonNode content, List<FieldError> errors, Mode mode) {
    Problems problems = new Problems(errors, mode == Mode.LENIENT);
    if (type == null) {
      problems.add("type", "is required");
      return null;
    }
    if (!MessageTypes.isSupported(type)) {
      problems.add("type", "must be one of " + MessageTypes.supportedList());
      return null;
    }
    if (content == null || content.isNull() || content.isMissingNode()) {
      problems.add(type, "is required for type " + type);
      return null;
    }
    ObjectNode canonical = MessageTypes.CONTACTS.equals(type) ? ContactsContent.read(content, problems) : object(type, content, problems);
    return problems.any() ? null : canonical;
  }

  /**
   * The canonical content, or an {@link InvalidRequestException} with every error found.
   *
   * @throws InvalidRequestException when the content is invalid
   */
  public static ObjectNode require(String type, JsonNode content, Mode mode) {
    List<FieldError> errors = new ArrayList<>();
    ObjectNode canonical = validate(type, content, errors, mode);
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    return canonical;
  }

  private static ObjectNode object(String type, JsonNode content, Problems problems) {
    FieldReader in = FieldReader.of(type, content, problems);
    if (in == null) {
      return null;
    }
    return switch (type) {
      case MessageTypes.TEXT -> TextContent.read(in);
      case MessageTypes.LOCATION -> LocationContent.read(in);
      case MessageTypes.INTERACTIVE -> InteractiveContent.read(in);
      case MessageTypes.TEMPLATE -> TemplateContent.read(in);
      case MessageTypes.REACTION -> ReactionContent.read(in);
      default -> MediaContent.message(type, in);
    };
  }
}
