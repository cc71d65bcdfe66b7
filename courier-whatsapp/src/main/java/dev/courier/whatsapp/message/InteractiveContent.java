package dev.courier.whatsapp.message;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code interactive} messages of type {@code button} (reply buttons), {@code list} and {@code
 * cta_url}, with Meta's limits. Canonical order: {@code type, header, body, footer, action}. A
 * reply button's {@code type} and a CTA action's {@code name} may be left out: each has one
 * possible value, which the canonical form writes.
 */
final class InteractiveContent {
  static final String BUTTON = "button";
  static final String LIST = "list";
  static final String CTA_URL = "cta_url";
  static final List<String> KINDS = List.of(BUTTON, LIST, CTA_URL);
  static final List<String> HEADER_TYPES = List.of("text", "image", "video", "document");

  static final int HEADER_TEXT_MAX = 60;
  static final int FOOTER_TEXT_MAX = 60;
  static final int BODY_MAX = 1024;
  static final int LIST_BODY_MAX = 4096;
  static final int MAX_BUTTONS = 3;
  static final int BUTTON_ID_MAX = 256;
  static final int BUTTON_TITLE_MAX = 20;
  static final int LIST_BUTTON_MAX = 20;
  static final int MAX_SECTIONS = 10;
  static final int MAX_ROWS = 10;
  static final int SECTION_TITLE_MAX = 24;
  static final int ROW_ID_MAX = 200;
  static final int ROW_TITLE_MAX = 24;
  static final int ROW_DESCRIPTION_MAX = 72;
  static final int CTA_TEXT_MAX = 20;

  private InteractiveContent() {}

  static ObjectNode read(FieldReader in) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    String kind = in.string("type");
    if (kind == null) {
      if (!in.has("type")) {
        in.error("type", "is required");
      }
      return out;
    }
    if (!KINDS.contains(kind)) {
      // Without a known kind the rest cannot be judged; one error says more than a dozen.
      in.error("type", "must be one of " + String.join(", ", KINDS));
      return out;
    }
    out.put("type", kind);
    FieldReader header = in.object("header", false);
    if (header != null) {
      out.set("header", header(header, kind));
    }
    FieldReader body = in.object("body", true);
    if (body != null) {
      out.set("body", textOnly(body, kind.equals(LIST) ? LIST_BODY_MAX : BODY_MAX));
    }
    FieldReader footer = in.object("footer", false);
    if (footer != null) {
      out.set("footer", textOnly(footer, FOOTER_TEXT_MAX));
    }
    FieldReader action = in.object("action", true);
    if (action != null) {
      out.set(
          "action",
          switch (kind) {
            case BUTTON -> buttons(action);
            case LIST -> list(action);
            default -> ctaUrl(action);
          });
    }
    in.finish();
    return out;
  }

  private static ObjectNode header(FieldReader in, String kind) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    String type = in.string("type");
    if (type == null) {
      if (!in.has("type")) {
        in.error("type", "is required");
      }
      return out;
    }
    if (kind.equals(LIST) && !type.equals("text")) {
      in.error("type", "list messages take a text header only");
      return out;
    }
    if (!HEADER_TYPES.contains(type)) {
      in.error("type", "must be one of " + String.join(", ", HEADER_TYPES));
      return out;
    }
    out.put("type", type);
    if (type.equals("text")) {
      TextContent.putIfSet(out, "text", in.requiredText("text", HEADER_TEXT_MAX));
    } else {
      FieldReader media = in.object(type, true);
      if (media != null) {
        out.set(type, MediaContent.embedded(media, type.equals("document")));
      }
    }
    in.finish();
    return out;
  }

  private static ObjectNode textOnly(FieldReader in, int max) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    TextContent.putIfSet(out, "text", in.requiredText("text", max));
    in.finish();
    return out;
  }

  private static ObjectNode buttons(FieldReader in) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode buttons = in.array("buttons", true);
    if (buttons != null) {
      String path = in.pathOf("buttons");
      if (buttons.isEmpty()) {
        in.error("buttons", "needs at least 1 reply button");
      }
      ArrayNode list = out.putArray("buttons");
      Set<String> ids = new HashSet<>();
      Set<String> titles = new HashSet<>();
      for (int i = 0; i < buttons.size(); i++) {
        if (i == MAX_BUTTONS) {
          in.problems().add(path + "[" + i + "]", "at most " + MAX_BUTTONS + " reply buttons");
          break;
        }
        FieldReader button = FieldReader.of(path + "[" + i + "]", buttons.get(i), in.problems());
        if (button != null) {
          list.add(button(button, ids, titles));
        }
      }
    }
    in.finish();
    return out;
  }

  private static ObjectNode button(FieldReader in, Set<String> ids, Set<String> titles) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    String type = in.string("type");
    if (type != null && !type.equals("reply")) {
      in.error("type", "must be reply");
    }
    out.put("type", "reply");
    FieldReader reply = in.object("reply", true);
    if (reply != null) {
      ObjectNode replyOut = out.putObject("reply");
      String id = unique(reply, "id", reply.requiredText("id", BUTTON_ID_MAX), ids);
      String title = unique(reply, "title", reply.requiredText("title", BUTTON_TITLE_MAX), titles);
      TextContent.putIfSet(replyOut, "id", id);
      TextContent.putIfSet(replyOut, "title", title);
      reply.finish();
    }
    in.finish();
    return out;
  }

  private static ObjectNode list(FieldReader in) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    TextContent.putIfSet(out, "button", in.requiredText("button", LIST_BUTTON_MAX));
    ArrayNode sections = in.array("sections", true);
    if (sections != null) {
      String path = in.pathOf("sections");
      if (sections.isEmpty()) {
        in.error("sections", "needs at least 1 section");
      }
      ArrayNode list = out.putArray("sections");
      Set<String> rowIds = new HashSet<>();
      int[] rows = {0};
      for (int i = 0; i < sections.size(); i++) {
        if (i == MAX_SECTIONS) {
          in.problems().add(path + "[" + i + "]", "at most " + MAX_SECTIONS + " sections");
          break;
        }
        FieldReader section = FieldReader.of(path + "[" + i + "]", sections.get(i), in.problems());
        if (section != null) {
          list.add(section(section, sections.size() > 1, rowIds, rows));
        }
      }
    }
    in.finish();
    return out;
  }

  /** One section; {@code rows[0]} counts the rows of all sections so far. */
  private static ObjectNode section(FieldReader in, boolean titleRequired, Set<String> rowIds, int[] rows) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    if (titleRequired && !in.has("title")) {
      in.error("title", "is required when there is more than 1 section");
    }
    TextContent.putIfSet(out, "title", in.optionalText("title", SECTION_TITLE_MAX));
    ArrayNode items = in.array("rows", true);
    if (items != null) {
      String path = in.pathOf("rows");
      if (items.isEmpty()) {
        in.error("rows", "needs at least 1 row");
      }
      ArrayNode list = out.putArray("rows");
      for (int i = 0; i < items.size(); i++) {
        if (++rows[0] > MAX_ROWS) {
          if (rows[0] == MAX_ROWS + 1) {
            in.problems().add(path + "[" + i + "]", "at most " + MAX_ROWS + " rows in all sections");
          }
          break;
        }
        FieldReader row = FieldReader.of(path + "[" + i + "]", items.get(i), in.problems());
        if (row != null) {
          ObjectNode rowOut = list.addObject();
          TextContent.putIfSet(rowOut, "id", unique(row, "id", row.requiredText("id", ROW_ID_MAX), rowIds));
          TextContent.putIfSet(rowOut, "title", row.requiredText("title", ROW_TITLE_MAX));
          TextContent.putIfSet(rowOut, "description", row.optionalText("description", ROW_DESCRIPTION_MAX));
          row.finish();
        }
      }
    }
    in.finish();
    return out;
  }

  private static ObjectNode ctaUrl(FieldReader in) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    String name = in.string("name");
    if (name != null && !name.equals(CTA_URL)) {
      in.error("name", "must be cta_url");
    }
    out.put("name", CTA_URL);
    FieldReader parameters = in.object("parameters", true);
    if (parameters != null) {
      ObjectNode parametersOut = out.putObject("parameters");
      TextContent.putIfSet(parametersOut, "display_text", parameters.requiredText("display_text", CTA_TEXT_MAX));
      String url = parameters.requiredText("url", Texts.UNLIMITED);
      if (url != null) {
        if (Texts.isHttpsUrl(url)) {
          parametersOut.put("url", url);
        } else {
          parameters.error("url", "must be an https URL");
        }
      }
      parameters.finish();
    }
    in.finish();
    return out;
  }

  /** The value, or null with an error when an earlier item of the message has it already. */
  private static String unique(FieldReader in, String name, String value, Set<String> seen) {
    if (value != null && !seen.add(value)) {
      in.error(name, "must be unique");
      return null;
    }
    return value;
  }
}
