package dev.courier.whatsapp.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/**
 * {@code contacts}: an array of 1 to 257 contact cards, each with {@code name.formatted_name}. The
 * other members are optional and checked for shape only (strings where the Cloud API has strings,
 * arrays of objects where it has lists), because address books hold all sorts of text. The canonical
 * content wraps the array as {@code {"contacts": [...]}}, since a provider's content is an object;
 * {@link WireContent#memberValue} unwraps it.
 */
final class ContactsContent {
  static final int MAX_CONTACTS = 257;

  private static final String[] NAME_PARTS = {
    "formatted_name", "first_name", "last_name", "middle_name", "suffix", "prefix"
  };
  private static final String[] PHONE = {"phone", "type", "wa_id"};
  private static final String[] EMAIL = {"email", "type"};
  private static final String[] URL = {"url", "type"};
  private static final String[] ADDRESS = {"street", "city", "state", "zip", "country", "country_code", "type"};
  private static final String[] ORG = {"company", "department", "title"};

  private ContactsContent() {}

  static ObjectNode read(JsonNode content, Problems problems) {
    String path = MessageTypes.CONTACTS;
    if (!(content instanceof ArrayNode cards)) {
      problems.add(path, "must be an array of contacts");
      return null;
    }
    if (cards.isEmpty()) {
      problems.add(path, "needs at least 1 contact");
    }
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < cards.size(); i++) {
      if (i == MAX_CONTACTS) {
        problems.add(path + "[" + i + "]", "at most " + MAX_CONTACTS + " contacts");
        break;
      }
      FieldReader card = FieldReader.of(path + "[" + i + "]", cards.get(i), problems);
      if (card != null) {
        out.add(card(card));
      }
    }
    ObjectNode wrapped = JsonNodeFactory.instance.objectNode();
    wrapped.set(MessageTypes.CONTACTS, out);
    return wrapped;
  }

  private static ObjectNode card(FieldReader in) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    FieldReader name = in.object("name", true);
    if (name != null) {
      if (!name.has("formatted_name")) {
        name.value("formatted_name");
        name.error("formatted_name", "is required");
      }
      out.set("name", strings(name, NAME_PARTS));
    }
    list(in, out, "phones", PHONE);
    list(in, out, "emails", EMAIL);
    list(in, out, "urls", URL);
    list(in, out, "addresses", ADDRESS);
    FieldReader org = in.object("org", false);
    if (org != null) {
      out.set("org", strings(org, ORG));
    }
    String birthday = in.string("birthday");
    if (birthday != null) {
      try {
        LocalDate.parse(birthday);
        out.put("birthday", birthday);
      } catch (DateTimeParseException e) {
        in.error("birthday", "must be a date like 1990-12-31");
      }
    }
    in.finish();
    return out;
  }

  private static void list(FieldReader in, ObjectNode out, String name, String[] members) {
    ArrayNode items = in.array(name, false);
    if (items == null) {
      return;
    }
    ArrayNode list = out.putArray(name);
    for (int i = 0; i < items.size(); i++) {
      FieldReader item = FieldReader.of(in.pathOf(name) + "[" + i + "]", items.get(i), in.problems());
      if (item != null) {
        list.add(strings(item, members));
      }
    }
  }

  /** An object of optional non-blank strings. */
  private static ObjectNode strings(FieldReader in, String[] members) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    for (String member : members) {
      TextContent.putIfSet(out, member, in.optionalText(member, Texts.UNLIMITED));
    }
    in.finish();
    return out;
  }
}
