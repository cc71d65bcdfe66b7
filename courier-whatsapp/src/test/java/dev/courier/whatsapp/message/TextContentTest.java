package dev.courier.whatsapp.message;

import static dev.courier.whatsapp.message.Validation.error;
import static dev.courier.whatsapp.message.Validation.json;
import static dev.courier.whatsapp.message.Validation.strict;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextContentTest {
  @Test
  void designDocumentExampleBecomesSnakeCaseWireObject() {
    var result = strict("text", "{'body': 'Olá!', 'previewUrl': false}");
    assertThat(result.errors()).isEmpty();
    assertThat(result.content().toString()).isEqualTo("{\"body\":\"Olá!\",\"preview_url\":false}");
  }

  @Test
  void snakeCasePreviewUrlIsAcceptedToo() {
    assertThat(strict("text", "{'body': 'see https://courier.dev', 'preview_url': true}").content())
        .isEqualTo(json("{'body': 'see https://courier.dev', 'preview_url': true}"));
  }

  @Test
  void previewUrlIsWrittenOnlyWhenGiven() {
    assertThat(strict("text", "{'body': 'hi'}").content()).isEqualTo(json("{'body': 'hi'}"));
  }

  @Test
  void nullFieldCountsAsAbsent() {
    assertThat(strict("text", "{'body': 'hi', 'previewUrl': null}").content()).isEqualTo(json("{'body': 'hi'}"));
  }

  @Test
  void bodyIsRequired() {
    var result = strict("text", "{'previewUrl': true}");
    assertThat(result.content()).isNull();
    assertThat(result.errors()).containsExactly(error("text.body", "is required"));
  }

  @Test
  void blankBodyIsRefused() {
    assertThat(strict("text", "{'body': '  \\n '}").errors()).containsExactly(error("text.body", "must not be blank"));
  }

  @Test
  void bodyMayHave4096CharactersCountingEmojiOnce() {
    String emojis = "😀".repeat(4096);
    assertThat(strict("text", "{'body': '" + emojis + "'}").errors()).isEmpty();
    assertThat(strict("text", "{'body': '" + "a".repeat(4097) + "'}").errors())
        .containsExactly(error("text.body", "at most 4096 characters"));
  }

  @Test
  void bodyMustBeAString() {
    assertThat(strict("text", "{'body': 42}").errors()).containsExactly(error("text.body", "must be a string"));
  }

  @Test
  void previewUrlMustBeABooleanAndTheErrorNamesTheSpellingUsed() {
    assertThat(strict("text", "{'body': 'hi', 'previewUrl': 'yes'}").errors())
        .containsExactly(error("text.previewUrl", "must be a boolean"));
    assertThat(strict("text", "{'body': 'hi', 'preview_url': 1}").errors())
        .containsExactly(error("text.preview_url", "must be a boolean"));
  }

  @Test
  void bothSpellingsOfOneFieldAreRefused() {
    assertThat(strict("text", "{'body': 'hi', 'previewUrl': true, 'preview_url': false}").errors())
        .containsExactly(error("text.previewUrl", "given twice, as previewUrl and preview_url"));
  }
}
