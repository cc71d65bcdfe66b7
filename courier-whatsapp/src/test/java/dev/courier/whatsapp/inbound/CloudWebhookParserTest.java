package dev.courier.whatsapp.inbound;

import static dev.courier.whatsapp.inbound.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.courier.whatsapp.inbound.StatusCallback.CallbackError;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CloudWebhookParserTest {
  private final CloudWebhookParser parser = new CloudWebhookParser(Fixtures.CLOCK);

  @Test
  void readsATextMessageWithItsSenderAndTheMessageItRepliesTo() {
    WebhookBatch batch = parser.parse(json("cloud/text-reply.json"));

    assertThat(batch.statuses()).isEmpty();
    assertThat(batch.connection()).isNull();
    assertThat(batch.messages()).singleElement().satisfies(message -> {
      assertThat(message.providerMessageId())
          .isEqualTo("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=");
      assertThat(message.from()).isEqualTo("+16505551234");
      assertThat(message.contactKey()).isEqualTo("16505551234");
      assertThat(message.userId()).isNull();
      assertThat(message.parentUserId()).isNull();
      assertThat(message.profileName()).isEqualTo("Sheena Nelson");
      assertThat(message.type()).isEqualTo("text");
      assertThat(message.at()).isEqualTo(Instant.ofEpochSecond(1749416383));
      assertThat(message.replyTo())
          .isEqualTo("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJBQUM0RjlGQkY5RTRBRjc4NDIA");
    });
  }

  @Test
  void keepsTheWholeMessageObjectAsItsContent() {
    ObjectNode root = json("cloud/text-reply.json");
    WebhookBatch batch = parser.parse(root);

    assertThat(batch.messages().getFirst().content())
        .isEqualTo(root.at("/entry/0/changes/0/value/messages/0"));
    assertThat(batch.messages().getFirst().content().at("/text/body").asText())
        .isEqualTo("Does it come in another color?");
  }

  @Test
  void keysAUserWhoHidesTheirNumberByTheParentBusinessScopedId() {
    WebhookBatch batch = parser.parse(json("cloud/bsuid-without-phone.json"));

    assertThat(batch.messages()).singleElement().satisfies(message -> {
      assertThat(message.contactKey()).isEqualTo("US.ENT.11815799212886844830");
      assertThat(message.userId()).isEqualTo("US.13491208655302741918");
      assertThat(message.parentUserId()).isEqualTo("US.ENT.11815799212886844830");
      assertThat(message.from()).isNull();
      assertThat(message.profileName()).isEqualTo("Pablo Morales");
    });
  }

  @Test
  void keysByTheUserIdWhenThereIsNoParentAndStillGivesThePhoneNumber() {
    WebhookBatch batch = parser.parse(json("cloud/several-entries.json"));

    assertThat(batch.messages())
        .filteredOn(message -> message.profileName().equals("Ana Souza"))
        .singleElement()
        .satisfies(message -> {
          assertThat(message.contactKey()).isEqualTo("BR.50211887723350162311");
          assertThat(message.userId()).isEqualTo("BR.50211887723350162311");
          assertThat(message.from()).isEqualTo("+5511987654321");
        });
  }

  @Test
  void matchesEachMessageToItsOwnContactWhenAChangeHasSeveral() {
    WebhookBatch batch = parser.parse(json("cloud/several-entries.json"));

    assertThat(batch.messages())
        .extracting(InboundMessage::from, InboundMessage::profileName, InboundMessage::type)
        .containsExactly(
            tuple("+5521912345678", "Bruno Lima", "image"),
            tuple("+5511987654321", "Ana Souza", "text"));
  }

  @Test
  void matchesAContactByUserIdWhenTheMessageNamesNoPhone() {
    ObjectNode root = json("cloud/several-entries.json");
    ObjectNode ana = (ObjectNode) root.at("/entry/0/changes/0/value/messages/1");
    ana.remove("from");

    WebhookBatch batch = parser.parse(root);

    assertThat(batch.messages().get(1).profileName()).isEqualTo("Ana Souza");
    assertThat(batch.messages().get(1).from()).isEqualTo("+5511987654321");
  }

  @Test
  void readsEveryEntryAndChangeInOrder() {
    WebhookBatch batch = parser.parse(json("cloud/several-entries.json"));

    assertThat(batch.messages()).hasSize(2);
    assertThat(batch.statuses())
        .extracting(StatusCallback::status, StatusCallback::at)
        .containsExactly(
            tuple("delivered", Instant.ofEpochSecond(1775046010)),
            tuple("read", Instant.ofEpochSecond(1775046020)));
  }

  @Test
  void groupsWhatItReadsByBusinessPhoneNumberId() {
    Map<String, WebhookBatch> byNumber =
        parser.parseByPhoneNumberId(json("cloud/several-entries.json"));

    assertThat(byNumber).containsOnlyKeys("106540352242922", "298765432109876");
    assertThat(byNumber.get("106540352242922").messages()).hasSize(2);
    assertThat(byNumber.get("106540352242922").statuses()).isEmpty();
    assertThat(byNumber.get("298765432109876").messages()).isEmpty();
    assertThat(byNumber.get("298765432109876").statuses()).hasSize(2);
  }

  @Test
  void groupsAChangeWithoutMetadataUnderTheEmptyNumber() {
    ObjectNode root = json("cloud/text-reply.json");
    ((ObjectNode) root.at("/entry/0/changes/0/value")).remove("metadata");

    assertThat(parser.parseByPhoneNumberId(root)).containsOnlyKeys("");
  }

  @Test
  void ignoresChangesOfOtherAndUnknownFields() {
    Map<String, WebhookBatch> byNumber =
        parser.parseByPhoneNumberId(json("cloud/unknown-fields.json"));

    assertThat(byNumber).isEmpty();
    assertThat(parser.parse(json("cloud/unknown-fields.json"))).isEqualTo(WebhookBatch.empty());
  }

  @Test
  void readsAFailedStatusWithTheProvidersErrors() {
    WebhookBatch batch = parser.parse(json("cloud/status-failed.json"));

    assertThat(batch.statuses()).singleElement().satisfies(status -> {
      assertThat(status.providerMessageId())
          .isEqualTo("wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI3RjBBRkI0MUQ2NDU4RjZDQjEA");
      assertThat(status.status()).isEqualTo("failed");
      assertThat(status.at()).isEqualTo(Instant.ofEpochSecond(1749416500));
      assertThat(status.recipient()).isEqualTo("16505551234");
      assertThat(status.errors())
          .containsExactly(
              new CallbackError("131026", "Message undeliverable", "Message Undeliverable."));
    });
  }

  @Test
  void fallsBackToTheErrorMessageWhenThereAreNoDetails() {
    ObjectNode root = json("cloud/status-failed.json");
    ((ObjectNode) root.at("/entry/0/changes/0/value/statuses/0/errors/0")).remove("error_data");

    StatusCallback status = parser.parse(root).statuses().getFirst();

    assertThat(status.errors().getFirst().detail()).isEqualTo("Message undeliverable");
  }

  @Test
  void keepsTheCallbackDataCourierSentWithTheMessage() {
    WebhookBatch batch = parser.parse(json("cloud/status-sent-with-callback-data.json"));

    assertThat(batch.statuses()).singleElement().satisfies(status -> {
      assertThat(status.status()).isEqualTo("sent");
      assertThat(status.bizOpaqueCallbackData()).isEqualTo("msg_01JCZ8PZ3YB4E6D0QW2K7H5M9S");
      assertThat(status.errors()).isEmpty();
    });
  }

  @Test
  void namesTheRecipientByBusinessScopedIdWhenMetaWithholdsTheNumber() {
    ObjectNode root = json("cloud/several-entries.json");
    ObjectNode status = (ObjectNode) root.at("/entry/1/changes/0/value/statuses/1");
    status.remove("recipient_id");

    assertThat(parser.parse(root).statuses().get(1).recipient())
        .isEqualTo("BR.77120034455667788990");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sent", "delivered", "read", "played", "failed"})
  void readsEveryStatusMetaReports(String name) {
    ObjectNode root = json("cloud/status-sent-with-callback-data.json");
    ((ObjectNode) root.at("/entry/0/changes/0/value/statuses/0")).put("status", name);

    assertThat(parser.parse(root).statuses())
        .extracting(StatusCallback::status)
        .containsExactly(name);
  }

  @Test
  void skipsMalformedPartsAndKeepsTheRest() {
    WebhookBatch batch = parser.parse(json("cloud/malformed.json"));

    assertThat(batch.messages())
        .extracting(InboundMessage::providerMessageId)
        .containsExactly("wamid.BAD_TIME");
    assertThat(batch.statuses()).singleElement().satisfies(status -> {
      assertThat(status.providerMessageId()).isEqualTo("wamid.UPPER_CASE");
      assertThat(status.status()).isEqualTo("delivered");
      assertThat(status.at()).isEqualTo(Instant.ofEpochSecond(1749416720));
      assertThat(status.errors()).isEmpty();
    });
  }

  @Test
  void givesTheParseTimeToAnItemWithoutAUsableTimestamp() {
    WebhookBatch batch = parser.parse(json("cloud/malformed.json"));

    assertThat(batch.messages().getFirst().at()).isEqualTo(Fixtures.PARSE_TIME);
    assertThat(batch.messages().getFirst().from()).isEqualTo("+5511999998888");
    assertThat(batch.messages().getFirst().contactKey()).isEqualTo("5511999998888");
  }

  @Test
  void readsNothingFromAnotherObjectOrFromWhatIsNotAnObject() {
    ObjectNode page = json("cloud/text-reply.json");
    page.put("object", "page");

    assertThat(parser.parse(page)).isEqualTo(WebhookBatch.empty());
    assertThat(parser.parse(null)).isEqualTo(WebhookBatch.empty());
    assertThat(parser.parse(new TextNode("whatsapp_business_account")))
        .isEqualTo(WebhookBatch.empty());
    assertThat(parser.parse(Fixtures.JSON.createArrayNode())).isEqualTo(WebhookBatch.empty());
    assertThat(parser.parse(Fixtures.JSON.createObjectNode())).isEqualTo(WebhookBatch.empty());
  }

  @Test
  void treatsAFromThatIsNoPhoneNumberAsAUserId() {
    ObjectNode root = json("cloud/bsuid-without-phone.json");
    ((ObjectNode) root.at("/entry/0/changes/0/value")).remove("contacts");
    ((ObjectNode) root.at("/entry/0/changes/0/value/messages/0"))
        .put("from", "US.13491208655302741918");

    InboundMessage message = parser.parse(root).messages().getFirst();

    assertThat(message.from()).isNull();
    assertThat(message.userId()).isEqualTo("US.13491208655302741918");
    assertThat(message.contactKey()).isEqualTo("US.13491208655302741918");
  }

  @Test
  void doesNotLendAContactToAMessageFromSomeoneElse() {
    ObjectNode root = json("cloud/text-reply.json");
    ((ObjectNode) root.at("/entry/0/changes/0/value/messages/0")).put("from", "5511900001111");

    InboundMessage message = parser.parse(root).messages().getFirst();

    assertThat(message.from()).isEqualTo("+5511900001111");
    assertThat(message.profileName()).isNull();
  }
}
