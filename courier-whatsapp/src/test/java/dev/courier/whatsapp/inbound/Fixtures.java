package dev.courier.whatsapp.inbound;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** Provider callback bodies kept under {@code src/test/resources/inbound}. */
final class Fixtures {
  static final ObjectMapper JSON = new ObjectMapper();

  /** The time a fixed-clock parser gives items that carry no usable time of their own. */
  static final Instant PARSE_TIME = Instant.parse("2026-04-01T12:00:00Z");

  static final Clock CLOCK = Clock.fixed(PARSE_TIME, ZoneOffset.UTC);

  private Fixtures() {}

  static byte[] bytes(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/inbound/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh, mutable tree of the fixture, so a test may change it. */
  static ObjectNode json(String name) {
    try {
      return (ObjectNode) JSON.readTree(bytes(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
