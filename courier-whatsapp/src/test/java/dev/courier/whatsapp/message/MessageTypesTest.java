package dev.courier.whatsapp.message;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MessageTypesTest {
  @Test
  void supportsTheCloudApiTypesInAStableOrder() {
    assertThat(MessageTypes.ALL)
        .containsExactly("text", "image", "audio", "video", "document", "sticker", "location", "contacts", "interactive", "template", "reaction");
    assertThat(MessageTypes.isSupported("poll")).isFalse();
    assertThat(MessageTypes.isSupported(null)).isFalse();
  }

  @Test
  void mediaTypesAndTheirOptionalFields() {
    assertThat(MessageTypes.MEDIA).containsExactly("image", "audio", "video", "document", "sticker");
    assertThat(MessageTypes.ALL).filteredOn(MessageTypes::hasCaption).containsExactly("image", "video", "document");
    assertThat(MessageTypes.ALL).filteredOn(MessageTypes::hasFilename).containsExactly("document");
  }
}
