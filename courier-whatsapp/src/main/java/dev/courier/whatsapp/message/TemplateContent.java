package dev.courier.whatsapp.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code template}: {@code {"name", "language": {"code", "policy"?}, "components"?}}. Courier does
 * not know the approved templates, so it checks the request's shape, not that the parameters match
 * the template; Meta answers that at send time.
 *
 * <p>Normalised: {@code "language": "pt_BR"} becomes {@code {"code": "pt_BR"}}; a code written
 * {@code pt-BR} or {@code pt_br} becomes {@code pt_BR}; a button's {@code index} becomes a string
 * ({@code "0"}), as in Meta's reference. {@code policy} is written only when given (it can only be
 * {@code deterministic}).
 */
final class TemplateContent {
  static final int NAME_MAX = 512;
  static final List<String> COMPONENT_TYPES = List.of("header", "body", "button", "footer");
  static final int MAX_BUTTON_INDEX = 9;

  private static final Pattern NAME = Pattern.compile("[a-z0-9_]+");
  private static final Pattern LANGUAGE = Pattern.compile("([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2,3}))?");
  private static final Pattern KEYWORD = Pattern.compile("[a-z][a-z_]*");
  private static final Pattern CURRENCY_CODE = Pattern.compile("[A-Z]{3}");

  private TemplateContent() {}

  static ObjectNode read(FieldReader in) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    String name = in.requiredText("name", NAME_MAX);
    if (name != null) {
      if (NAME.matcher(name).matches()) {
        out.put("name", name);
      } else {
        in.error("name", "must be lowercase letters, digits and underscores");
      }
    }
    language(in, out);
    ArrayNode components = in.array("components", false);
    if (components != null) {
      ArrayNode list = out.putArray("components");
      for (int i = 0; i < components.size(); i++) {
        FieldReader component = FieldReader.of(in.pathOf("components") + "[" + i + "]", components.get(i), in.problems());
        if (component != null) {
          list.add(component(component));
        }
      }
    }
    in.finish();
    return out;
  }

  private static void language(FieldReader in, ObjectNode out) {
    JsonNode value = in.value("language");
    if (value == null) {
      in.error("language", "is required");
      return;
    }
    ObjectNode language = JsonNodeFactory.instance.objectNode();
    if (value.isTextual()) {
      putCode(language, value.textValue(), in.pathOf("language"), in.problems());
    } else {
      FieldReader object = FieldReader.of(in.pathOf("language"), value, in.problems());
      if (object == null) {
        return;
      }
      String code = object.requiredText("code", Texts.UNLIMITED);
      if (code != null) {
        putCode(language, code, object.pathOf("code"), in.problems());
      }
      String policy = object.string("policy");
      if (policy != null) {
        if (policy.equals("deterministic")) {
          language.put("policy", policy);
        } else {
          object.error("policy", "must be deterministic");
        }
      }
      object.finish();
    }
    out.set("language", language);
  }

  private static void putCode(ObjectNode language, String code, String path, Problems problems) {
    Matcher m = LANGUAGE.matcher(code.strip());
    if (!m.matches()) {
      problems.add(path, "must be a language code like pt_BR or en_US");
      return;
    }
    String canonical = m.group(1).toLowerCase(Locale.ROOT);
    if (m.group(2) != null) {
      canonical += "_" + m.group(2).toUpperCase(Locale.ROOT);
    }
    language.put("code", canonical);
  }

  private static ObjectNode component(FieldReader in) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    String type = in.string("type");
    if (type == null) {
      if (!in.has("type")) {
        in.error("type", "is required");
      }
    } else if (!COMPONENT_TYPES.contains(type)) {
      in.error("type", "must be one of " + String.join(", ", COMPONENT_TYPES));
    } else {
      out.put("type", type);
    }
    if ("button".equals(type)) {
      String subType = in.requiredText("sub_type", Texts.UNLIMITED);
      if (subType != null) {
        if (KEYWORD.matcher(subType).matches()) {
          out.put("sub_type", subType);
        } else {
          in.error("sub_type", "must be a button kind like quick_reply or url");
        }
      }
      index(in, out);
    } else if (type != null) {
      in.refuse("sub_type", "only button components have a sub_type");
      in.refuse("index", "only button components have an index");
    }
    ArrayNode parameters = in.array("parameters", false);
    if (parameters != null) {
      ArrayNode list = out.putArray("parameters");
      for (int i = 0; i < parameters.size(); i++) {
        FieldReader parameter = FieldReader.of(in.pathOf("parameters") + "[" + i + "]", parameters.get(i), in.problems());
        if (parameter != null) {
          list.add(parameter(parameter));
        }
      }
    }
    in.finish();
    return out;
  }

  private static void index(FieldReader in, ObjectNode out) {
    JsonNode value = in.value("index");
    if (value == null) {
      in.error("index", "is required for button components");
      return;
    }
    String text = value.isIntegralNumber() ? value.asText() : value.isTextual() ? value.textValue() : null;
    if (text == null || !text.matches("[0-9]") || Integer.parseInt(text) > MAX_BUTTON_INDEX) {
      in.error("index", "must be a button position from 0 to " + MAX_BUTTON_INDEX);
      return;
    }
    out.put("index", text);
  }

  private static ObjectNode parameter(FieldReader in) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    String type = in.string("type");
    if (type == null) {
      if (!in.has("type")) {
        in.error("type", "is required");
      }
      return out;
    }
    if (!KEYWORD.matcher(type).matches() || type.equals("type") || type.equals("parameter_name")) {
      in.error("type", "must be a parameter type like text, currency, date_time or image");
      return out;
    }
    out.put("type", type);
    TextContent.putIfSet(out, "parameter_name", in.optionalText("parameter_name", Texts.UNLIMITED));
    switch (type) {
      case "text", "payload", "coupon_code" ->
          TextContent.putIfSet(out, type, in.requiredText(type, Texts.UNLIMITED));
      case "currency" -> {
        FieldReader currency = in.object("currency", true);
        if (currency != null) {
          out.set("currency", currency(currency));
        }
      }
      case "date_time" -> {
        FieldReader dateTime = in.object("date_time", true);
        if (dateTime != null) {
          ObjectNode dateTimeOut = out.putObject("date_time");
          TextContent.putIfSet(dateTimeOut, "fallback_value", dateTime.requiredText("fallback_value", Texts.UNLIMITED));
          dateTime.finish();
        }
      }
      case "image", "video", "document" -> {
        FieldReader media = in.object(type, true);
        if (media != null) {
          out.set(type, MediaContent.embedded(media, type.equals("document")));
        }
      }
      case "location" -> {
        FieldReader location = in.object("location", true);
        if (location != null) {
          out.set("location", LocationContent.read(location));
        }
      }
      default -> {
        // Newer kinds (action, limited_time_offer, order_status, ...): Meta checks them; Courier
        // only requires the member the type names and passes it on untouched.
        JsonNode member = in.value(type);
        if (member == null) {
          in.error(type, "is required for " + type + " parameters");
        } else {
          out.set(type, member.deepCopy());
        }
      }
    }
    in.finish();
    return out;
  }

  private static ObjectNode currency(FieldReader in) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    TextContent.putIfSet(out, "fallback_value", in.requiredText("fallback_value", Texts.UNLIMITED));
    String code = in.requiredText("code", Texts.UNLIMITED);
    if (code != null) {
      if (CURRENCY_CODE.matcher(code).matches()) {
        out.put("code", code);
      } else {
        in.error("code", "must be an ISO 4217 currency code like BRL");
      }
    }
    JsonNode amount = in.value("amount_1000");
    if (amount == null) {
      in.error("amount_1000", "is required");
    } else if (!amount.canConvertToLong() || !amount.isIntegralNumber()) {
      in.error("amount_1000", "must be a whole number (the amount times 1000)");
    } else if (amount.canConvertToInt()) {
      out.put("amount_1000", amount.intValue());
    } else {
      out.put("amount_1000", amount.longValue());
    }
    in.finish();
    return out;
  }
}
