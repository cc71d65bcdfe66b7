package dev.courier.whatsapp.message;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code reaction}: {@code {"message_id", "emoji"}}. The emoji is one emoji, or the empty string,
 * which removes the reaction sent before.
 */
final class ReactionContent {
  private ReactionContent() {}

  static ObjectNode read(FieldReader in) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    TextContent.putIfSet(out, "message_id", in.requiredText("message_id", Texts.UNLIMITED));
    boolean given = in.has("emoji");
    String emoji = in.string("emoji");
    if (!given) {
      in.error("emoji", "is required (an empty string removes the reaction)");
    } else if (emoji != null) {
      if (emoji.isEmpty() || Texts.isSingleEmoji(emoji)) {
        out.put("emoji", emoji);
      } else {
        in.error("emoji", "must be one emoji, or empty to remove the reaction");
      }
    }
    in.finish();
    return out;
  }
}
