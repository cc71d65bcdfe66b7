package dev.courier.whatsapp.message;

import static dev.courier.whatsapp.message.Validation.error;
import static dev.courier.whatsapp.message.Validation.json;
import static dev.courier.whatsapp.message.Validation.run;
import static dev.courier.whatsapp.message.Validation.strict;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.validation.FieldError;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ContentValidatorTest {
  /** Valid content of every type, as callers write it: camelCase, snake_case, short forms. */
  static Stream<Arguments> validContent() {
    return Stream.of(
        Arguments.of("text", "{'body': 'Olá!', 'previewUrl': false}"),
        Arguments.of("text", "{'body': '😀 é'}"),
        Arguments.of("image", "{'link': 'https://cdn.example.com/a.jpg', 'caption': 'Promo'}"),
        Arguments.of("audio", "{'id': '123'}"),
        Arguments.of("video", "{'id': '123', 'caption': 'v'}"),
        Arguments.of("document", "{'link': 'https://cdn.example.com/f.pdf', 'filename': 'f.pdf', 'caption': 'c'}"),
        Arguments.of("sticker", "{'link': 'https://cdn.example.com/s.webp'}"),
        Arguments.of("location", "{'latitude': '-23.5', 'longitude': 10, 'name': 'MASP', 'address': 'Av. Paulista'}"),
        Arguments.of("contacts", "[{'name': {'formattedName': 'Ana'}, 'phones': [{'phone': '+5511999999999', 'waId': '5511999999999'}], 'birthday': '1990-01-02'}]"),
        Arguments.of(
            "interactive",
            "{'type': 'button', 'header': {'type': 'document', 'document': {'id': '9', 'filename': 'a.pdf'}}, 'body': {'text': 'b'},"
                + " 'action': {'buttons': [{'reply': {'id': 'a', 'title': 'A'}}]}}"),
        Arguments.of(
            "interactive",
            "{'type': 'list', 'body': {'text': 'b'}, 'action': {'button': 'Ver', 'sections': [{'rows': [{'id': 'r', 'title': 'R', 'description': 'd'}]}]}}"),
        Arguments.of("interactive", "{'type': 'cta_url', 'body': {'text': 'b'}, 'action': {'parameters': {'displayText': 'Ir', 'url': 'https://x.io'}}}"),
        Arguments.of(
            "template",
            "{'name': 'order_update', 'language': 'pt-br', 'components': [{'type': 'button', 'subType': 'url', 'index': 1,"
                + " 'parameters': [{'type': 'text', 'text': 'A-17'}]}, {'type': 'body', 'parameters': [{'type': 'currency',"
                + " 'currency': {'fallbackValue': 'R$ 1', 'code': 'BRL', 'amount1000': 1000}}]}]}"),
        Arguments.of("reaction", "{'messageId': 'wamid.1', 'emoji': '👍🏽'}"),
        Arguments.of("reaction", "{'message_id': 'wamid.1', 'emoji': ''}"));
  }

  @ParameterizedTest
  @MethodSource("validContent")
  void canonicalContentValidatesToItselfInBothModes(String type, String content) {
    for (ContentValidator.Mode mode : ContentValidator.Mode.values()) {
      var first = run(type, json(content), mode);
      assertThat(first.errors()).isEmpty();
      var second = run(type, WireContent.memberValue(type, first.content()), mode);
      assertThat(second.errors()).isEmpty();
      assertThat(second.content()).isEqualTo(first.content());
      assertThat(second.content().toString()).isEqualTo(first.content().toString());
    }
  }

  @ParameterizedTest
  @MethodSource("validContent")
  void canonicalContentHasNoCamelCaseNames(String type, String content) {
    String canonical = strict(type, content).content().toString();
    assertThat(canonical).doesNotContain("previewUrl", "formattedName", "waId", "displayText", "subType", "fallbackValue", "amount1000", "messageId");
  }

  @Test
  void unknownTypeListsTheSupportedOnes() {
    assertThat(strict("poll", "{}").errors())
        .containsExactly(
            error("type", "must be one of text, image, audio, video, document, sticker, location, contacts, interactive, template, reaction"));
  }

  @Test
  void missingTypeIsRequired() {
    assertThat(strict(null, "{}").errors()).containsExactly(error("type", "is required"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"text", "image", "contacts", "template"})
  void missingContentIsRequiredForItsType(String type) {
    assertThat(strict(type, null).errors()).containsExactly(error(type, "is required for type " + type));
    assertThat(strict(type, "null").errors()).containsExactly(error(type, "is required for type " + type));
    assertThat(run(type, MissingNode.getInstance(), ContentValidator.Mode.STRICT).errors())
        .containsExactly(error(type, "is required for type " + type));
  }

  @Test
  void contentOfTheWrongJsonTypeIsRefused() {
    assertThat(strict("text", "'Olá'").errors()).containsExactly(error("text", "must be an object"));
  }

  @Test
  void errorsAreAppendedAfterTheCallersOwnAndTheResultIsNull() {
    List<FieldError> errors = new ArrayList<>(List.of(new FieldError("to", "not a valid phone number")));
    ObjectNode content = ContentValidator.validate("text", json("{}"), errors);
    assertThat(content).isNull();
    assertThat(errors).containsExactly(error("to", "not a valid phone number"), error("text.body", "is required"));
  }

  @Test
  void earlierErrorsOfOtherFieldsDoNotHideValidContent() {
    List<FieldError> errors = new ArrayList<>(List.of(new FieldError("to", "not a valid phone number")));
    assertThat(ContentValidator.validate("text", json("{'body': 'hi'}"), errors)).isEqualTo(json("{'body': 'hi'}"));
  }

  @Test
  void allErrorsOfOneMessageAreReportedTogether() {
    assertThat(strict("image", "{'link': 'http://a.b/c.jpg', 'caption': '', 'foo': 1}").errors())
        .containsExactly(
            error("image.link", "must be an https URL"), error("image.caption", "must not be blank"), error("image.foo", "unknown field"));
  }

  @Test
  void lenientModeStillReportsEverythingButUnknownFields() {
    var result = Validation.lenient("image", "{'link': 'http://a.b/c.jpg', 'foo': 1}");
    assertThat(result.errors()).containsExactly(error("image.link", "must be an https URL"));
  }

  @Test
  void requireThrowsWithEveryError() {
    assertThatThrownBy(() -> ContentValidator.require("reaction", json("{}"), ContentValidator.Mode.LENIENT))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> assertThat(e.errors()).extracting(FieldError::field).containsExactly("reaction.message_id", "reaction.emoji"));
    assertThat(ContentValidator.require("text", json("{'body': 'hi', 'x': 1}"), ContentValidator.Mode.LENIENT)).isEqualTo(json("{'body': 'hi'}"));
  }

  @Test
  void inputIsNotModified() {
    var input = json("{'body': 'hi', 'previewUrl': true, 'extra': 1}");
    var copy = input.deepCopy();
    Validation.run("text", input, ContentValidator.Mode.LENIENT);
    assertThat(input).isEqualTo(copy);
  }
}
