package dev.courier.whatsapp.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code {{variable}}} placeholders in the strings of a message's content. Names are letters,
 * digits, {@code _}, {@code -} and {@code .}; spaces inside the braces are ignored. A missing
 * variable is an error, never a blank in a customer's message.
 */
public final class Placeholders {
  static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_.\\-]+)\\s*}}");

  private Placeholders() {}

  /** The names used in every string value of {@code node}, in order of first use. */
  public static List<String> names(JsonNode node) {
    Set<String> out = new LinkedHashSet<>();
    collect(node, out);
    return new ArrayList<>(out);
  }

  private static void collect(JsonNode node, Set<String> out) {
    if (node == null) {
      return;
    }
    if (node.isTextual()) {
      Matcher m = PLACEHOLDER.matcher(node.asText());
      while (m.find()) {
        out.add(m.group(1));
      }
    } else if (node.isContainerNode()) {
      node.forEach(child -> collect(child, out));
    }
  }

  /** A copy of {@code node} with every placeholder replaced; the variables must hold every name used. */
  public static JsonNode render(JsonNode node, Map<String, String> variables) {
    if (node == null) {
      return null;
    }
    if (node.isTextual()) {
      String text = node.asText();
      if (text.indexOf("{{") < 0) {
        return node;
      }
      Matcher m = PLACEHOLDER.matcher(text);
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        String value = variables.get(m.group(1));
        if (value == null) {
          throw new IllegalArgumentException("missing variable " + m.group(1));
        }
        m.appendReplacement(sb, Matcher.quoteReplacement(value));
      }
      m.appendTail(sb);
      return TextNode.valueOf(sb.toString());
    }
    if (node.isObject()) {
      ObjectNode copy = ((ObjectNode) node).objectNode();
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        copy.set(f.getKey(), render(f.getValue(), variables));
      }
      return copy;
    }
    if (node.isArray()) {
      ArrayNode copy = ((ArrayNode) node).arrayNode();
      node.forEach(child -> copy.add(render(child, variables)));
      return copy;
    }
    return node;
  }

  /** Whether the string at {@code path} (a field path such as {@code image.link} or {@code a.b[2].c}) holds a placeholder. */
  public static boolean holdsPlaceholder(JsonNode root, String path) {
    JsonNode n = root;
    for (String part : path.split("\\.")) {
      String name = part;
      List<Integer> indexes = new ArrayList<>();
      int b = part.indexOf('[');
      if (b >= 0) {
        name = part.substring(0, b);
        Matcher m = Pattern.compile("\\[(\\d+)]").matcher(part.substring(b));
        while (m.find()) {
          indexes.add(Integer.parseInt(m.group(1)));
        }
      }
      if (!name.isEmpty()) {
        n = n == null ? null : n.get(name);
      }
      for (int i : indexes) {
        n = n == null ? null : n.get(i);
      }
    }
    return n != null && n.isTextual() && PLACEHOLDER.matcher(n.asText()).find();
  }
}
