package dev.courier.whatsapp.message;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code text}: {@code {"body", "preview_url"}}. */
final class TextContent {
  static final int BODY_MAX = 4096;

  private TextContent() {}

  static ObjectNode read(FieldReader in) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    putIfSet(out, "body", in.requiredText("body", BODY_MAX));
    Boolean previewUrl = in.bool("preview_url");
    if (previewUrl != null) {
      out.put("preview_url", previewUrl);
    }
    in.finish();
    return out;
  }

  static void putIfSet(ObjectNode out, String name, String value) {
    if (value != null) {
      out.put(name, value);
    }
  }
}
