package dev.courier.whatsapp.inbound;

import static dev.courier.whatsapp.inbound.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class WahaWebhookParserTest {
  private final WahaWebhookParser parser = new WahaWebhookParser(Fixtures.CLOCK);

  @Test
  void readsATextMessage() {
    ObjectNode root = json("waha/message.json");

    WebhookBatch batch = parser.parse(root);

    assertThat(batch.statuses()).isEmpty();
    assertThat(batch.connection()).isNull();
    assertThat(batch.messages()).singleElement().satisfies(message -> {
      assertThat(message.providerMessageId())
          .isEqualTo("false_5511987654321@c.us_3EB0F1A2B3C4D5E6F708");
      assertThat(message.from()).isEqualTo("+5511987654321");
      assertThat(message.contactKey()).isEqualTo("5511987654321@c.us");
      assertThat(message.profileName()).isEqualTo("Ana Souza");
      assertThat(message.type()).isEqualTo("text");
      assertThat(message.at()).isEqualTo(Instant.ofEpochSecond(1775046299));
      assertThat(message.replyTo()).isNull();
      assertThat(message.content()).isEqualTo(root.get("payload"));
    });
  }

  @Test
  void keysAGroupMessageByTheGroupAndTakesTheNumberFromTheParticipant() {
    WebhookBatch batch = parser.parse(json("waha/message-group-image.json"));

    assertThat(batch.messages()).singleElement().satisfies(message -> {
      assertThat(message.contactKey()).isEqualTo("120363041967849074@g.us");
      assertThat(message.from()).isEqualTo("+5521912345678");
      assertThat(message.profileName()).isEqualTo("Bruno Lima");
      assertThat(message.type()).isEqualTo("image");
      assertThat(message.replyTo()).isEqualTo("BAE5F2C8D1A94B37");
    });
  }

  @Test
  void givesNoNumberForAGroupMessageWithoutItsParticipant() {
    ObjectNode root = json("waha/message-group-image.json");
    ((ObjectNode) root.get("payload")).remove("participant");

    InboundMessage message = parser.parse(root).messages().getFirst();

    assertThat(message.from()).isNull();
    assertThat(message.contactKey()).isEqualTo("120363041967849074@g.us");
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    "image/jpeg,      image",
    "video/mp4,       video",
    "audio/ogg; codecs=opus, audio",
    "application/pdf, document",
  })
  void namesMediaByItsMimeType(String mimeType, String type) {
    ObjectNode root = json("waha/message-group-image.json");
    ((ObjectNode) root.at("/payload/media")).put("mimetype", mimeType);

    assertThat(parser.parse(root).messages().getFirst().type()).isEqualTo(type);
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({"ptt, audio", "vcard, contacts", "sticker, sticker", "location, location"})
  void namesWebjsTypesAsTheCloudApiDoes(String webjsType, String type) {
    ObjectNode root = json("waha/message.json");
    ((ObjectNode) root.at("/payload/_data")).put("type", webjsType);

    assertThat(parser.parse(root).messages().getFirst().type()).isEqualTo(type);
  }

  @Test
  void acceptsAQuotedMessageGivenByItsIdAlone() {
    ObjectNode root = json("waha/message.json");
    ((ObjectNode) root.get("payload")).put("replyTo", "3EB0C431C26A1916E07A");

    assertThat(parser.parse(root).messages().getFirst().replyTo())
        .isEqualTo("3EB0C431C26A1916E07A");
  }

  @Test
  void readsMessageAnyLikeMessage() {
    ObjectNode root = json("waha/message.json");
    root.put("event", "message.any");

    assertThat(parser.parse(root).messages()).hasSize(1);
  }

  @Test
  void leavesOutMessagesTheSessionSent() {
    assertThat(parser.parse(json("waha/message-any-from-me.json")))
        .isEqualTo(WebhookBatch.empty());
  }

  @Test
  void readsAnAckAsTheStatusOfTheMessageTheSessionSent() {
    WebhookBatch batch = parser.parse(json("waha/message-ack.json"));

    assertThat(batch.messages()).isEmpty();
    assertThat(batch.statuses()).singleElement().satisfies(status -> {
      assertThat(status.providerMessageId())
          .isEqualTo("true_5511987654321@c.us_3EB0AA11BB22CC33DD44");
      assertThat(status.status()).isEqualTo("read");
      assertThat(status.recipient()).isEqualTo("5511987654321@c.us");
      assertThat(status.at()).isEqualTo(Instant.ofEpochMilli(1775046460777L));
      assertThat(status.errors()).isEmpty();
    });
  }

  @ParameterizedTest(name = "{0} ({1}) is {2}")
  @CsvSource({
    "SERVER, 1,  sent",
    "DEVICE, 2,  delivered",
    "READ,   3,  read",
    "PLAYED, 4,  played",
    "ERROR,  -1, failed",
  })
  void readsEachAckByNameOrByNumber(String ackName, int ack, String status) {
    ObjectNode byName = json("waha/message-ack.json");
    ((ObjectNode) byName.get("payload")).put("ackName", ackName).put("ack", ack);
    ObjectNode byNumber = json("waha/message-ack.json");
    ((ObjectNode) byNumber.get("payload")).put("ack", ack).remove("ackName");

    assertThat(parser.parse(byName).statuses().getFirst().status()).isEqualTo(status);
    assertThat(parser.parse(byNumber).statuses().getFirst().status()).isEqualTo(status);
  }

  @Test
  void ignoresAPendingAckAndAcksOnMessagesSomeoneElseWrote() {
    ObjectNode pending = json("waha/message-ack.json");
    ((ObjectNode) pending.get("payload")).put("ack", 0).put("ackName", "PENDING");
    ObjectNode theirs = json("waha/message-ack.json");
    ((ObjectNode) theirs.get("payload")).put("fromMe", false);

    assertThat(parser.parse(pending)).isEqualTo(WebhookBatch.empty());
    assertThat(parser.parse(theirs)).isEqualTo(WebhookBatch.empty());
  }

  @Test
  void givesTheParseTimeToAnAckWithoutAnEventTime() {
    ObjectNode root = json("waha/message-ack.json");
    root.remove("timestamp");

    assertThat(parser.parse(root).statuses().getFirst().at()).isEqualTo(Fixtures.PARSE_TIME);
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource(
      value = {
        "WORKING, connected",
        "STOPPED, disconnected",
        "FAILED, disconnected",
        "SCAN_QR_CODE, disconnected",
        "STARTING, NULL"
      },
      nullValues = "NULL")
  void readsTheSessionsConnection(String sessionStatus, String connection) {
    ObjectNode root = json("waha/session-status.json");
    ((ObjectNode) root.get("payload")).put("status", sessionStatus);

    assertThat(parser.parse(root).connection()).isEqualTo(connection);
  }

  @ParameterizedTest
  @ValueSource(strings = {"message.reaction", "presence.update", "call.received"})
  void ignoresOtherEvents(String event) {
    ObjectNode root = json("waha/message.json");
    root.put("event", event);

    assertThat(parser.parse(root)).isEqualTo(WebhookBatch.empty());
  }

  @Test
  void ignoresBodiesItCannotRead() {
    ObjectNode noPayload = json("waha/message.json");
    noPayload.remove("payload");
    ObjectNode noId = json("waha/message.json");
    ((ObjectNode) noId.get("payload")).remove("id");

    assertThat(parser.parse(noPayload)).isEqualTo(WebhookBatch.empty());
    assertThat(parser.parse(noId)).isEqualTo(WebhookBatch.empty());
    assertThat(parser.parse(null)).isEqualTo(WebhookBatch.empty());
  }
}
