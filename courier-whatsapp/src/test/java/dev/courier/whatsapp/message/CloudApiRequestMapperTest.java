package dev.courier.whatsapp.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.validation.FieldError;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CloudApiRequestMapperTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static ObjectNode map(String cloud) {
    return CloudApiRequestMapper.toCourier(json(cloud), "ins_1");
  }

  private static List<FieldError> errors(String cloud) {
    try {
      map(cloud);
    } catch (InvalidRequestException e) {
      return e.errors();
    }
    throw new AssertionError("no errors for " + cloud);
  }

  @Test
  void aTextRequestBecomesCourierRequestForTheInstance() {
    ObjectNode out = map("""
        {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "5511999999999",
         "type": "text", "text": {"preview_url": false, "body": "Olá!"}}""");
    assertThat(out).isEqualTo(json("""
        {"instanceId": "ins_1", "to": "+5511999999999", "type": "text",
         "text": {"preview_url": false, "body": "Olá!"}}"""));
  }

  @ParameterizedTest(name = "to {0} becomes {1}")
  @CsvSource({
    "5511999999999, +5511999999999",
    "+5511999999999, +5511999999999",
    "'  12025550123 ', +12025550123",
    "'+1 (202) 555-0123', '+1 (202) 555-0123'",
    "'1 202 555 0123', '+1 202 555 0123'",
  })
  void digitsWithoutAPlusAreInternationalNumbersAsInTheCloudApi(String to, String courier) {
    assertThat(map("{\"messaging_product\": \"whatsapp\", \"to\": \"" + to + "\", \"text\": {\"body\": \"x\"}}")
        .get("to").asText()).isEqualTo(courier);
  }

  @Test
  void aNumberGivenAsAJsonNumberIsTakenToo() {
    assertThat(map("{\"messaging_product\": \"whatsapp\", \"to\": 5511999999999, \"text\": {\"body\": \"x\"}}")
        .get("to").asText()).isEqualTo("+5511999999999");
  }

  @Test
  void typeDefaultsToTextAsInTheCloudApi() {
    ObjectNode out = map("{\"messaging_product\": \"whatsapp\", \"to\": \"5511999999999\", \"text\": {\"body\": \"x\"}}");
    assertThat(out.get("type").asText()).isEqualTo("text");
    assertThat(out.get("text").get("body").asText()).isEqualTo("x");
  }

  @Test
  void contextMessageIdBecomesReplyToAndCallbackDataIsKeptInMetadata() {
    ObjectNode out = map("""
        {"messaging_product": "whatsapp", "to": "5511999999999", "type": "reaction",
         "reaction": {"message_id": "wamid.A", "emoji": "👍"},
         "context": {"message_id": "wamid.PREVIOUS"}, "biz_opaque_callback_data": "order-17"}""");
    assertThat(out.get("replyTo").asText()).isEqualTo("wamid.PREVIOUS");
    assertThat(out.get("metadata")).isEqualTo(json("{\"bizOpaqueCallbackData\": \"order-17\"}"));
    assertThat(out.get("reaction").get("emoji").asText()).isEqualTo("👍");
  }

  @Test
  void fieldsCourierDoesNotUseAndOtherTypesMembersAreIgnored() {
    ObjectNode out = map("""
        {"messaging_product": "whatsapp", "to": "5511999999999", "type": "image",
         "image": {"link": "https://example.com/a.png", "caption": "hi"},
         "text": {"body": "not this"}, "status": "read", "some_future_field": {"x": 1}}""");
    assertThat(out.fieldNames()).toIterable().containsExactlyInAnyOrder("instanceId", "to", "type", "image");
  }

  @Test
  void contactsStayAnArrayAndValidateToCourierCanonicalContent() {
    ObjectNode out = map("""
        {"messaging_product": "whatsapp", "to": "5511999999999", "type": "contacts",
         "contacts": [{"name": {"formatted_name": "Ana Lima", "first_name": "Ana"},
                       "phones": [{"phone": "+5511988887777", "type": "CELL", "wa_id": "5511988887777"}]}]}""");
    assertThat(out.get("contacts").isArray()).isTrue();
    List<FieldError> problems = new ArrayList<>();
    ObjectNode canonical = ContentValidator.validate("contacts", out.get("contacts"), problems, ContentValidator.Mode.LENIENT);
    assertThat(problems).isEmpty();
    assertThat(canonical.get("contacts").get(0).get("name").get("formatted_name").asText()).isEqualTo("Ana Lima");
    assertThat(WireContent.memberValue("contacts", canonical)).isEqualTo(canonical.get("contacts"));
  }

  @Test
  void missingMessagingProductAndRecipientAreNamed() {
    assertThat(errors("{\"type\": \"text\", \"text\": {\"body\": \"x\"}}")).containsExactly(
        new FieldError("messaging_product", "is required"),
        new FieldError("to", "is required"));
  }

  @Test
  void wrongProductRecipientTypeContextAndCallbackDataAreNamed() {
    String longData = "x".repeat(CloudApiRequestMapper.MAX_CALLBACK_DATA + 1);
    assertThat(errors("{\"messaging_product\": \"sms\", \"recipient_type\": \"broadcast\", \"to\": \"5511999999999\","
        + " \"context\": {}, \"biz_opaque_callback_data\": \"" + longData + "\"}"))
        .extracting(FieldError::field)
        .containsExactly("messaging_product", "recipient_type", "context.message_id", "biz_opaque_callback_data");
  }

  @Test
  void aBodyThatIsNotAnObjectIsRefused() {
    assertThatThrownBy(() -> CloudApiRequestMapper.toCourier(json("[1]"), "ins_1"))
        .isInstanceOf(InvalidRequestException.class);
  }

  @Test
  void courierErrorsAreRenamedToTheCloudApiFieldsTheyCameFrom() {
    InvalidRequestException renamed = CloudApiRequestMapper.cloudErrors(new InvalidRequestException(List.of(
        new FieldError("replyTo", "must be a string"),
        new FieldError("metadata", "too large"),
        new FieldError("text.body", "is required"))));
    assertThat(renamed.errors()).extracting(FieldError::field)
        .containsExactly("context.message_id", "biz_opaque_callback_data", "text.body");
  }

  @Test
  void theMappingsErrorsAndTheDraftsAreAnsweredTogetherOnce() {
    CloudApiRequestMapper.Mapping m = CloudApiRequestMapper.map(
        json("{\"messaging_product\": \"whatsapp\", \"context\": {\"message_id\": 17}}"), "ins_1");
    assertThat(m.request().get("type").asText()).isEqualTo("text");
    InvalidRequestException all = m.merged(new InvalidRequestException(List.of(
        new FieldError("to", "is required"), new FieldError("text", "is required for type text"))));
    assertThat(all.errors()).containsExactly(
        new FieldError("to", "is required"),
        new FieldError("context.message_id", "must be a string"),
        new FieldError("text", "is required for type text"));
  }

  @Test
  void waIdIsTheDigitsOfTheNormalisedNumber() {
    assertThat(CloudApiRequestMapper.waId("+5511999999999")).isEqualTo("5511999999999");
  }
}
