package dev.courier.whatsapp.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code location}: {@code {"latitude", "longitude", "name", "address"}}, also the location of a
 * template header. Coordinates are JSON numbers on the wire; numeric strings are accepted too,
 * because Meta's own examples quote them and clients copy that.
 */
final class LocationContent {
  private LocationContent() {}

  static ObjectNode read(FieldReader in) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    Double latitude = coordinate(in, "latitude", 90);
    Double longitude = coordinate(in, "longitude", 180);
    if (latitude != null) {
      out.put("latitude", latitude);
    }
    if (longitude != null) {
      out.put("longitude", longitude);
    }
    TextContent.putIfSet(out, "name", in.optionalText("name", Texts.UNLIMITED));
    TextContent.putIfSet(out, "address", in.optionalText("address", Texts.UNLIMITED));
    in.finish();
    return out;
  }

  private static Double coordinate(FieldReader in, String name, double limit) {
    JsonNode value = in.value(name);
    String range = "must be a number from " + (int) -limit + " to " + (int) limit;
    if (value == null) {
      in.error(name, "is required");
      return null;
    }
    Double number = null;
    if (value.isNumber()) {
      number = value.doubleValue();
    } else if (value.isTextual()) {
      try {
        number = Double.valueOf(value.textValue().strip());
      } catch (NumberFormatException e) {
        number = null;
      }
    }
    if (number == null || number.isNaN() || Math.abs(number) > limit) {
      in.error(name, range);
      return null;
    }
    return number;
  }
}
