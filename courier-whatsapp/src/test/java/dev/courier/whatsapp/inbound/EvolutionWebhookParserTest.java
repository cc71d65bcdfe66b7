package dev.courier.whatsapp.inbound;

import static dev.courier.whatsapp.inbound.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EvolutionWebhookParserTest {
  private final EvolutionWebhookParser parser = new EvolutionWebhookParser(Fixtures.CLOCK);

  @Test
  void readsAPlainTextMessage() {
    ObjectNode root = json("evolution/messages-upsert-conversation.json");

    WebhookBatch batch = parser.parse(root);

    assertThat(batch.statuses()).isEmpty();
    assertThat(batch.connection()).isNull();
    assertThat(batch.messages()).singleElement().satisfies(message -> {
      assertThat(message.providerMessageId()).isEqualTo("3EB0C431C26A1916E07A");
      assertThat(message.from()).isEqualTo("+5511987654321");
      assertThat(message.contactKey()).isEqualTo("5511987654321@s.whatsapp.net");
      assertThat(message.userId()).isNull();
      assertThat(message.parentUserId()).isNull();
      assertThat(message.profileName()).isEqualTo("Ana Souza");
      assertThat(message.type()).isEqualTo("text");
      assertThat(message.at()).isEqualTo(Instant.ofEpochSecond(1775046100));
      assertThat(message.replyTo()).isNull();
      assertThat(message.content()).isEqualTo(root.get("data"));
    });
  }

  @Test
  void readsAnExtendedTextMessageAndTheMessageItQuotes() {
    WebhookBatch batch = parser.parse(json("evolution/messages-upsert-extended-reply.json"));

    assertThat(batch.messages()).singleElement().satisfies(message -> {
      assertThat(message.type()).isEqualTo("text");
      assertThat(message.replyTo()).isEqualTo("BAE5F2C8D1A94B37");
    });
  }

  @Test
  void findsTheQuotedMessageInsideTheContentWhenTheGatewayDidNotLiftIt() {
    ObjectNode root = json("evolution/messages-upsert-extended-reply.json");
    ((ObjectNode) root.get("data")).remove("contextInfo");

    assertThat(parser.parse(root).messages().getFirst().replyTo()).isEqualTo("BAE5F2C8D1A94B37");
  }

  @Test
  void keysAGroupMessageByTheGroupAndTakesTheNumberFromTheParticipant() {
    WebhookBatch batch = parser.parse(json("evolution/messages-upsert-group-image.json"));

    assertThat(batch.messages()).singleElement().satisfies(message -> {
      assertThat(message.contactKey()).isEqualTo("120363041967849074@g.us");
      assertThat(message.from()).isEqualTo("+5521912345678");
      assertThat(message.profileName()).isEqualTo("Bruno Lima");
      assertThat(message.at()).isEqualTo(Instant.ofEpochSecond(1775046200));
    });
  }

  @Test
  void namesTheTypeFromTheContentWhenTheGatewayGivesNone() {
    // The group fixture has no messageType: the image is found beside messageContextInfo.
    WebhookBatch batch = parser.parse(json("evolution/messages-upsert-group-image.json"));

    assertThat(batch.messages().getFirst().type()).isEqualTo("image");
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    "imageMessage,       image",
    "audioMessage,       audio",
    "videoMessage,       video",
    "documentMessage,    document",
    "stickerMessage,     sticker",
    "locationMessage,    location",
    "contactMessage,     contacts",
    "reactionMessage,    reaction",
    "pollCreationMessage, pollCreationMessage",
  })
  void namesMessageTypesAsTheCloudApiDoes(String evolutionType, String type) {
    ObjectNode root = json("evolution/messages-upsert-conversation.json");
    ((ObjectNode) root.get("data")).put("messageType", evolutionType);

    assertThat(parser.parse(root).messages().getFirst().type()).isEqualTo(type);
  }

  @Test
  void leavesOutMessagesTheInstanceSent() {
    assertThat(parser.parse(json("evolution/messages-upsert-from-me.json")))
        .isEqualTo(WebhookBatch.empty());
  }

  @Test
  void leavesOutStatusStoriesAndProtocolSignalling() {
    ObjectNode story = json("evolution/messages-upsert-conversation.json");
    ((ObjectNode) story.at("/data/key")).put("remoteJid", "status@broadcast");
    ObjectNode protocol = json("evolution/messages-upsert-conversation.json");
    ((ObjectNode) protocol.get("data")).put("messageType", "protocolMessage");

    assertThat(parser.parse(story).messages()).isEmpty();
    assertThat(parser.parse(protocol).messages()).isEmpty();
  }

  @Test
  void takesTheNumberFromTheAlternateIdWhenTheChatIsALinkedId() {
    ObjectNode root = json("evolution/messages-upsert-conversation.json");
    ObjectNode key = (ObjectNode) root.at("/data/key");
    key.put("remoteJid", "161803398874989@lid");
    key.put("remoteJidAlt", "5511987654321@s.whatsapp.net");

    InboundMessage message = parser.parse(root).messages().getFirst();

    assertThat(message.contactKey()).isEqualTo("161803398874989@lid");
    assertThat(message.from()).isEqualTo("+5511987654321");
  }

  @Test
  void givesNoNumberForALinkedIdAlone() {
    ObjectNode root = json("evolution/messages-upsert-conversation.json");
    ((ObjectNode) root.at("/data/key")).put("remoteJid", "161803398874989@lid");

    assertThat(parser.parse(root).messages().getFirst().from()).isNull();
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    "SERVER_ACK,   sent",
    "DELIVERY_ACK, delivered",
    "READ,         read",
    "PLAYED,       played",
    "ERROR,        failed",
  })
  void readsEachAckAsAStatus(String ack, String status) {
    ObjectNode root = json("evolution/messages-update.json");
    ((ObjectNode) root.get("data")).put("status", ack);

    assertThat(parser.parse(root).statuses())
        .singleElement()
        .extracting(StatusCallback::status)
        .isEqualTo(status);
  }

  @Test
  void namesAStatusByTheWhatsAppIdNotTheGatewaysDatabaseId() {
    WebhookBatch batch = parser.parse(json("evolution/messages-update.json"));

    assertThat(batch.messages()).isEmpty();
    assertThat(batch.statuses()).singleElement().satisfies(status -> {
      assertThat(status.providerMessageId()).isEqualTo("BAE5F2C8D1A94B37");
      assertThat(status.status()).isEqualTo("delivered");
      assertThat(status.recipient()).isEqualTo("5511987654321@s.whatsapp.net");
      assertThat(status.at()).isEqualTo(Instant.parse("2026-04-01T12:28:55.250Z"));
      assertThat(status.bizOpaqueCallbackData()).isNull();
      assertThat(status.errors()).isEmpty();
    });
  }

  @Test
  void readsAnUpdateThatNamesTheMessageByItsKey() {
    ObjectNode root = json("evolution/messages-update.json");
    ObjectNode data = (ObjectNode) root.get("data");
    data.remove("keyId");
    data.putObject("key").put("id", "BAE5F2C8D1A94B37").put("fromMe", true);

    assertThat(parser.parse(root).statuses())
        .extracting(StatusCallback::providerMessageId)
        .containsExactly("BAE5F2C8D1A94B37");
  }

  @Test
  void givesTheParseTimeToAnUpdateWithoutAnEventTime() {
    ObjectNode root = json("evolution/messages-update.json");
    root.remove("date_time");

    assertThat(parser.parse(root).statuses().getFirst().at()).isEqualTo(Fixtures.PARSE_TIME);
  }

  @ParameterizedTest
  @ValueSource(strings = {"PENDING", "DELETED", "SOMETHING_NEW"})
  void ignoresUpdatesThatSayNothingAboutDelivery(String ack) {
    ObjectNode root = json("evolution/messages-update.json");
    ((ObjectNode) root.get("data")).put("status", ack);

    assertThat(parser.parse(root)).isEqualTo(WebhookBatch.empty());
  }

  @Test
  void ignoresReceiptsOnMessagesSomeoneElseWrote() {
    ObjectNode root = json("evolution/messages-update.json");
    ((ObjectNode) root.get("data")).put("fromMe", false).put("status", "READ");

    assertThat(parser.parse(root).statuses()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"MESSAGES_UPSERT", "messages-upsert", "Messages.Upsert"})
  void acceptsEventNamesInEverySpellingTheGatewayUses(String event) {
    ObjectNode root = json("evolution/messages-upsert-conversation.json");
    root.put("event", event);

    assertThat(parser.parse(root).messages()).hasSize(1);
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource(
      value = {"open, connected", "close, disconnected", "connecting, NULL"},
      nullValues = "NULL")
  void readsTheInstancesConnection(String state, String connection) {
    ObjectNode root = json("evolution/connection-update.json");
    ((ObjectNode) root.get("data")).put("state", state);

    WebhookBatch batch = parser.parse(root);

    assertThat(batch.connection()).isEqualTo(connection);
    assertThat(batch.messages()).isEmpty();
    assertThat(batch.statuses()).isEmpty();
  }

  @Test
  void readsAWaitingQrCodeAsDisconnected() {
    ObjectNode root = json("evolution/connection-update.json");
    root.put("event", "QRCODE_UPDATED");

    assertThat(parser.parse(root).connection()).isEqualTo("disconnected");
  }

  @Test
  void ignoresOtherEventsAndBodiesItCannotRead() {
    ObjectNode contacts = json("evolution/messages-upsert-conversation.json");
    contacts.put("event", "contacts.upsert");
    ObjectNode noData = json("evolution/messages-upsert-conversation.json");
    noData.put("data", "not an object");
    ObjectNode noKey = json("evolution/messages-upsert-conversation.json");
    ((ObjectNode) noKey.get("data")).remove("key");

    assertThat(parser.parse(contacts)).isEqualTo(WebhookBatch.empty());
    assertThat(parser.parse(noData)).isEqualTo(WebhookBatch.empty());
    assertThat(parser.parse(noKey)).isEqualTo(WebhookBatch.empty());
    assertThat(parser.parse(null)).isEqualTo(WebhookBatch.empty());
    assertThat(parser.parse(Fixtures.JSON.createArrayNode())).isEqualTo(WebhookBatch.empty());
  }
}
