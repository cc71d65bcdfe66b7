package dev.courier.whatsapp.message;

import static dev.courier.whatsapp.message.Validation.error;
import static dev.courier.whatsapp.message.Validation.json;
import static dev.courier.whatsapp.message.Validation.strict;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReactionContentTest {
  @Test
  void camelCaseMessageIdBecomesSnakeCase() {
    var result = strict("reaction", "{'messageId': 'wamid.HBgM', 'emoji': '👍'}");
    assertThat(result.errors()).isEmpty();
    assertThat(result.content().toString()).isEqualTo("{\"message_id\":\"wamid.HBgM\",\"emoji\":\"👍\"}");
  }

  @Test
  void emptyEmojiRemovesAReaction() {
    assertThat(strict("reaction", "{'message_id': 'wamid.HBgM', 'emoji': ''}").content())
        .isEqualTo(json("{'message_id': 'wamid.HBgM', 'emoji': ''}"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"😀", "❤️", "👍🏽", "👨‍👩‍👧‍👦", "🇧🇷", "1️⃣", "☺"})
  void oneEmojiOfAnyShapeIsAccepted(String emoji) {
    assertThat(strict("reaction", "{'message_id': 'wamid.1', 'emoji': '" + emoji + "'}").errors()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"👍👍", "ok", "a", "1", " ", "👍 "})
  void anythingButOneEmojiIsRefused(String emoji) {
    assertThat(strict("reaction", "{'message_id': 'wamid.1', 'emoji': '" + emoji + "'}").errors())
        .containsExactly(error("reaction.emoji", "must be one emoji, or empty to remove the reaction"));
  }

  @Test
  void messageIdAndEmojiAreRequired() {
    assertThat(strict("reaction", "{}").errors())
        .containsExactly(
            error("reaction.message_id", "is required"),
            error("reaction.emoji", "is required (an empty string removes the reaction)"));
  }
}
