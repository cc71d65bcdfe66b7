package dev.courier.whatsapp.message;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Media objects: the {@code image}, {@code audio}, {@code video}, {@code document} and {@code
 * sticker} messages, and the media in interactive headers and template parameters. Each names its
 * media by exactly one of {@code link} (an https URL the Cloud API downloads) or {@code id} (media
 * already uploaded to the provider). Canonical order: {@code id} or {@code link}, {@code caption},
 * {@code filename}.
 */
final class MediaContent {
  static final int CAPTION_MAX = 1024;

  private MediaContent() {}

  /** A media message of {@code type}: caption and filename only where the Cloud API takes them. */
  static ObjectNode message(String type, FieldReader in) {
    ObjectNode out = source(in);
    if (MessageTypes.hasCaption(type)) {
      TextContent.putIfSet(out, "caption", in.optionalText("caption", CAPTION_MAX));
    } else {
      in.refuse("caption", type + " messages have no caption");
    }
    if (MessageTypes.hasFilename(type)) {
      TextContent.putIfSet(out, "filename", in.optionalText("filename", Texts.UNLIMITED));
    } else {
      in.refuse("filename", "only documents have a filename");
    }
    in.finish();
    return out;
  }

  /** The media of a header or a template parameter: no caption; a filename for documents. */
  static ObjectNode embedded(FieldReader in, boolean document) {
    ObjectNode out = source(in);
    if (document) {
      TextContent.putIfSet(out, "filename", in.optionalText("filename", Texts.UNLIMITED));
    }
    in.finish();
    return out;
  }

  private static ObjectNode source(FieldReader in) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    boolean hasLink = in.has("link");
    boolean hasId = in.has("id");
    String link = in.string("link");
    String id = in.string("id");
    if (!hasLink && !hasId) {
      in.problems().add(in.path(), "needs a link or an id");
    } else if (hasLink && hasId) {
      in.problems().add(in.path(), "takes a link or an id, not both");
    }
    if (id != null) {
      if (id.isBlank()) {
        in.error("id", "must not be blank");
      } else {
        out.put("id", id);
      }
    }
    if (link != null) {
      if (Texts.isHttpsUrl(link)) {
        out.put("link", link);
      } else {
        in.error("link", "must be an https URL");
      }
    }
    return out;
  }
}
