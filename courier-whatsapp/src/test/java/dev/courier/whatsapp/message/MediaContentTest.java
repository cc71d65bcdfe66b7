package dev.courier.whatsapp.message;

import static dev.courier.whatsapp.message.Validation.error;
import static dev.courier.whatsapp.message.Validation.json;
import static dev.courier.whatsapp.message.Validation.lenient;
import static dev.courier.whatsapp.message.Validation.strict;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MediaContentTest {
  @Test
  void imageByLinkWithCaption() {
    var result = strict("image", "{'link': 'https://cdn.example.com/a.jpg', 'caption': 'Promo'}");
    assertThat(result.errors()).isEmpty();
    assertThat(result.content()).isEqualTo(json("{'link': 'https://cdn.example.com/a.jpg', 'caption': 'Promo'}"));
  }

  @Test
  void documentByIdWithCaptionAndFilename() {
    var result = strict("document", "{'id': '1234567890', 'caption': 'Fatura', 'filename': 'fatura-03.pdf'}");
    assertThat(result.content()).isEqualTo(json("{'id': '1234567890', 'caption': 'Fatura', 'filename': 'fatura-03.pdf'}"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"image", "audio", "video", "document", "sticker"})
  void everyMediaTypeTakesALinkOrAnId(String type) {
    assertThat(strict(type, "{'link': 'https://cdn.example.com/f'}").content()).isEqualTo(json("{'link': 'https://cdn.example.com/f'}"));
    assertThat(strict(type, "{'id': '998877'}").content()).isEqualTo(json("{'id': '998877'}"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"image", "audio", "video", "document", "sticker"})
  void everyMediaTypeNeedsALinkOrAnId(String type) {
    assertThat(strict(type, "{}").errors()).containsExactly(error(type, "needs a link or an id"));
  }

  @Test
  void linkAndIdTogetherAreRefused() {
    assertThat(strict("video", "{'link': 'https://cdn.example.com/v.mp4', 'id': '1'}").errors())
        .containsExactly(error("video", "takes a link or an id, not both"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://cdn.example.com/a.jpg", "ftp://cdn.example.com/a.jpg", "cdn.example.com/a.jpg", "https://", "https:// spaces .com/x"})
  void linkMustBeAnAbsoluteHttpsUrl(String link) {
    assertThat(strict("image", "{'link': '" + link + "'}").errors()).containsExactly(error("image.link", "must be an https URL"));
  }

  @Test
  void linkHostMayHaveAnUnderscore() {
    assertThat(strict("image", "{'link': 'https://my_bucket.s3.amazonaws.com/a.jpg'}").errors()).isEmpty();
  }

  @Test
  void blankIdIsRefused() {
    assertThat(strict("sticker", "{'id': ' '}").errors()).containsExactly(error("sticker.id", "must not be blank"));
  }

  @Test
  void captionMayHave1024Characters() {
    assertThat(strict("image", "{'id': '1', 'caption': '" + "c".repeat(1024) + "'}").errors()).isEmpty();
    assertThat(strict("image", "{'id': '1', 'caption': '" + "c".repeat(1025) + "'}").errors())
        .containsExactly(error("image.caption", "at most 1024 characters"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"audio", "sticker"})
  void captionOnATypeWithoutOneIsNamed(String type) {
    assertThat(strict(type, "{'id': '1', 'caption': 'hi'}").errors())
        .containsExactly(error(type + ".caption", type + " messages have no caption"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"image", "audio", "video", "sticker"})
  void filenameOnANonDocumentIsNamed(String type) {
    assertThat(strict(type, "{'id': '1', 'filename': 'a.pdf'}").errors())
        .containsExactly(error(type + ".filename", "only documents have a filename"));
  }

  @Test
  void lenientModeDropsCaptionWhereTheCloudApiHasNone() {
    var result = lenient("audio", "{'id': '1', 'caption': 'hi', 'filename': 'x.ogg'}");
    assertThat(result.errors()).isEmpty();
    assertThat(result.content()).isEqualTo(json("{'id': '1'}"));
  }

  @Test
  void unknownFieldIsReportedInStrictModeAndDroppedInLenientMode() {
    assertThat(strict("image", "{'id': '1', 'foo': 1}").errors()).containsExactly(error("image.foo", "unknown field"));
    var result = lenient("image", "{'id': '1', 'foo': 1}");
    assertThat(result.errors()).isEmpty();
    assertThat(result.content()).isEqualTo(json("{'id': '1'}"));
  }

  @Test
  void contentThatIsNotAnObjectIsRefused() {
    assertThat(strict("image", "'https://cdn.example.com/a.jpg'").errors()).containsExactly(error("image", "must be an object"));
  }
}
