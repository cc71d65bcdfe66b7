package dev.courier.whatsapp.provider.cloud;

import static dev.courier.whatsapp.provider.testing.Providers.HTTP;
import static dev.courier.whatsapp.provider.testing.Providers.message;
import static dev.courier.whatsapp.provider.testing.Providers.withReplyTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.whatsapp.provider.OutboundMessage;
import dev.courier.whatsapp.provider.SendReceipt;
import dev.courier.whatsapp.provider.testing.FakeProviderServer;
import dev.courier.whatsapp.provider.testing.FakeProviderServer.Recorded;
import dev.courier.whatsapp.provider.testing.FakeProviderServer.Reply;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every message type goes out in the Cloud API's documented request shape: {@code POST
 * /{version}/{phone-number-id}/messages} with the envelope fields and the type's object.
 */
class CloudApiWireFormatTest {
  static final String ACCEPTED =
      """
      {"messaging_product":"whatsapp",
       "contacts":[{"input":"+5511999999999","wa_id":"5511999999999"}],
       "messages":[{"id":"wamid.HBgNNTUxMTk5OTk5OTk5ORUCABEYEjA3"}]}""";

  FakeProviderServer meta;
  CloudApiProvider provider;

  @BeforeEach
  void start() {
    meta = FakeProviderServer.start(Reply.json(200, ACCEPTED));
    provider =
        new CloudApiProvider(
            new CloudApiSettings(meta.baseUri(), null, "106540352242922", "EAAG-secret-token", null),
            HTTP);
  }

  @AfterEach
  void stop() {
    meta.close();
  }

  JsonNode sent(OutboundMessage m) throws Exception {
    provider.send(m);
    return meta.only().json();
  }

  @Test
  void textIsPostedToTheVersionedPhoneNumberPathWithTheBearerTokenAndReturnsTheWamid()
      throws Exception {
    SendReceipt receipt =
        provider.send(message("text", "{\"body\":\"Olá! https://courier.dev\",\"preview_url\":true}"));

    Recorded request = meta.only();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/v23.0/106540352242922/messages");
    assertThat(request.header("Authorization")).isEqualTo("Bearer EAAG-secret-token");
    assertThat(request.header("Content-Type")).isEqualTo("application/json");
    JsonNode body = request.json();
    assertThat(body.path("messaging_product").asText()).isEqualTo("whatsapp");
    assertThat(body.path("recipient_type").asText()).isEqualTo("individual");
    assertThat(body.path("to").asText()).isEqualTo("+5511999999999");
    assertThat(body.path("type").asText()).isEqualTo("text");
    assertThat(body.path("text").path("body").asText()).isEqualTo("Olá! https://courier.dev");
    assertThat(body.path("text").path("preview_url").asBoolean()).isTrue();
    assertThat(receipt.providerMessageId()).isEqualTo("wamid.HBgNNTUxMTk5OTk5OTk5ORUCABEYEjA3");
  }

  @Test
  void everyMessageCarriesCouriersIdAsBizOpaqueCallbackDataAndNoContextUnlessItReplies()
      throws Exception {
    JsonNode body = sent(message("text", "{\"body\":\"hi\"}"));

    assertThat(body.path("biz_opaque_callback_data").asText()).isEqualTo("msg_01");
    assertThat(body.has("context")).isFalse();
  }

  @Test
  void aReplyCarriesTheRepliedMessageAsContext() throws Exception {
    JsonNode body =
        sent(withReplyTo(message("text", "{\"body\":\"sim\"}"), "wamid.INBOUND123"));

    assertThat(body.path("context").path("message_id").asText()).isEqualTo("wamid.INBOUND123");
  }

  @Test
  void versionAndBaseUrlComeFromTheSettings() throws Exception {
    CloudApiProvider v21 =
        new CloudApiProvider(
            new CloudApiSettings(
                URI.create(meta.baseUri() + "/"), "v21.0", "42", "t", Duration.ofSeconds(5)),
            HTTP);

    v21.send(message("text", "{\"body\":\"hi\"}"));

    assertThat(meta.only().path()).isEqualTo("/v21.0/42/messages");
  }

  @Test
  void imageByLinkCarriesLinkAndCaption() throws Exception {
    JsonNode body =
        sent(message("image", "{\"link\":\"https://cdn.example.com/p.jpg\",\"caption\":\"Pedido\"}"));

    assertThat(body.path("type").asText()).isEqualTo("image");
    assertThat(body.path("image").path("link").asText()).isEqualTo("https://cdn.example.com/p.jpg");
    assertThat(body.path("image").path("caption").asText()).isEqualTo("Pedido");
    assertThat(body.path("image").has("id")).isFalse();
  }

  @Test
  void imageByMediaIdCarriesIdAndCaption() throws Exception {
    JsonNode body = sent(message("image", "{\"id\":\"1479537139650973\",\"caption\":\"Pedido\"}"));

    assertThat(body.path("image").path("id").asText()).isEqualTo("1479537139650973");
    assertThat(body.path("image").path("caption").asText()).isEqualTo("Pedido");
    assertThat(body.path("image").has("link")).isFalse();
  }

  @Test
  void audioCarriesItsLink() throws Exception {
    JsonNode body = sent(message("audio", "{\"link\":\"https://cdn.example.com/a.ogg\"}"));

    assertThat(body.path("type").asText()).isEqualTo("audio");
    assertThat(body.path("audio").path("link").asText()).isEqualTo("https://cdn.example.com/a.ogg");
  }

  @Test
  void videoCarriesLinkAndCaption() throws Exception {
    JsonNode body =
        sent(message("video", "{\"link\":\"https://cdn.example.com/v.mp4\",\"caption\":\"Demo\"}"));

    assertThat(body.path("video").path("link").asText()).isEqualTo("https://cdn.example.com/v.mp4");
    assertThat(body.path("video").path("caption").asText()).isEqualTo("Demo");
  }

  @Test
  void documentCarriesLinkCaptionAndFilename() throws Exception {
    JsonNode body =
        sent(
            message(
                "document",
                "{\"link\":\"https://cdn.example.com/n.pdf\",\"caption\":\"Nota\","
                    + "\"filename\":\"nota-123.pdf\"}"));

    assertThat(body.path("document").path("link").asText()).isEqualTo("https://cdn.example.com/n.pdf");
    assertThat(body.path("document").path("caption").asText()).isEqualTo("Nota");
    assertThat(body.path("document").path("filename").asText()).isEqualTo("nota-123.pdf");
  }

  @Test
  void stickerCarriesItsMediaId() throws Exception {
    JsonNode body = sent(message("sticker", "{\"id\":\"798882015472548\"}"));

    assertThat(body.path("type").asText()).isEqualTo("sticker");
    assertThat(body.path("sticker").path("id").asText()).isEqualTo("798882015472548");
  }

  @Test
  void locationCarriesCoordinatesNameAndAddress() throws Exception {
    JsonNode body =
        sent(
            message(
                "location",
                "{\"latitude\":-23.5614,\"longitude\":-46.6559,\"name\":\"Loja Paulista\","
                    + "\"address\":\"Av. Paulista, 1000\"}"));

    JsonNode location = body.path("location");
    assertThat(location.path("latitude").isNumber()).isTrue();
    assertThat(location.path("latitude").asDouble()).isEqualTo(-23.5614);
    assertThat(location.path("longitude").asDouble()).isEqualTo(-46.6559);
    assertThat(location.path("name").asText()).isEqualTo("Loja Paulista");
    assertThat(location.path("address").asText()).isEqualTo("Av. Paulista, 1000");
  }

  @Test
  void contactsTravelAsTheArrayOfCards() throws Exception {
    JsonNode body =
        sent(
            message(
                "contacts",
                """
                {"contacts":[{"name":{"formatted_name":"Ana Souza","first_name":"Ana"},
                  "phones":[{"phone":"+5511988887777","type":"CELL","wa_id":"5511988887777"}],
                  "emails":[{"email":"ana@example.com","type":"WORK"}],
                  "org":{"company":"Courier"}}]}"""));

    JsonNode contacts = body.path("contacts");
    assertThat(contacts.isArray()).isTrue();
    assertThat(contacts).hasSize(1);
    JsonNode card = contacts.path(0);
    assertThat(card.path("name").path("formatted_name").asText()).isEqualTo("Ana Souza");
    assertThat(card.path("phones").path(0).path("phone").asText()).isEqualTo("+5511988887777");
    assertThat(card.path("phones").path(0).path("wa_id").asText()).isEqualTo("5511988887777");
    assertThat(card.path("emails").path(0).path("email").asText()).isEqualTo("ana@example.com");
    assertThat(card.path("org").path("company").asText()).isEqualTo("Courier");
  }

  @Test
  void interactiveReplyButtonsPassThrough() throws Exception {
    JsonNode body =
        sent(
            message(
                "interactive",
                """
                {"type":"button","header":{"type":"text","text":"Pedido 17"},
                 "body":{"text":"Confirma a entrega?"},"footer":{"text":"Courier"},
                 "action":{"buttons":[
                   {"type":"reply","reply":{"id":"yes","title":"Sim"}},
                   {"type":"reply","reply":{"id":"no","title":"Não"}}]}}"""));

    JsonNode interactive = body.path("interactive");
    assertThat(body.path("type").asText()).isEqualTo("interactive");
    assertThat(interactive.path("type").asText()).isEqualTo("button");
    assertThat(interactive.path("header").path("text").asText()).isEqualTo("Pedido 17");
    assertThat(interactive.path("body").path("text").asText()).isEqualTo("Confirma a entrega?");
    assertThat(interactive.path("footer").path("text").asText()).isEqualTo("Courier");
    JsonNode second = interactive.path("action").path("buttons").path(1);
    assertThat(second.path("type").asText()).isEqualTo("reply");
    assertThat(second.path("reply").path("id").asText()).isEqualTo("no");
    assertThat(second.path("reply").path("title").asText()).isEqualTo("Não");
  }

  @Test
  void interactiveListPassesThroughWithSectionsAndRows() throws Exception {
    JsonNode body =
        sent(
            message(
                "interactive",
                """
                {"type":"list","body":{"text":"Escolha um horário"},
                 "action":{"button":"Horários","sections":[{"title":"Manhã","rows":[
                   {"id":"9h","title":"09:00","description":"Com Dra. Ana"}]}]}}"""));

    JsonNode action = body.path("interactive").path("action");
    assertThat(body.path("interactive").path("type").asText()).isEqualTo("list");
    assertThat(action.path("button").asText()).isEqualTo("Horários");
    assertThat(action.path("sections").path(0).path("title").asText()).isEqualTo("Manhã");
    JsonNode row = action.path("sections").path(0).path("rows").path(0);
    assertThat(row.path("id").asText()).isEqualTo("9h");
    assertThat(row.path("title").asText()).isEqualTo("09:00");
    assertThat(row.path("description").asText()).isEqualTo("Com Dra. Ana");
  }

  @Test
  void interactiveCallToActionUrlPassesThrough() throws Exception {
    JsonNode body =
        sent(
            message(
                "interactive",
                """
                {"type":"cta_url","body":{"text":"Acompanhe seu pedido"},
                 "action":{"name":"cta_url","parameters":{
                   "display_text":"Rastrear","url":"https://courier.dev/t/17"}}}"""));

    JsonNode action = body.path("interactive").path("action");
    assertThat(body.path("interactive").path("type").asText()).isEqualTo("cta_url");
    assertThat(action.path("name").asText()).isEqualTo("cta_url");
    assertThat(action.path("parameters").path("display_text").asText()).isEqualTo("Rastrear");
    assertThat(action.path("parameters").path("url").asText()).isEqualTo("https://courier.dev/t/17");
  }

  @Test
  void templateCarriesNameLanguageComponentsAndParameters() throws Exception {
    JsonNode body =
        sent(
            message(
                "template",
                """
                {"name":"order_update","language":{"code":"pt_BR"},"components":[
                  {"type":"header","parameters":[{"type":"image",
                    "image":{"link":"https://cdn.example.com/h.jpg"}}]},
                  {"type":"body","parameters":[{"type":"text","text":"Ana"},
                    {"type":"text","text":"A-17"}]},
                  {"type":"button","sub_type":"url","index":"0",
                    "parameters":[{"type":"text","text":"A-17"}]}]}"""));

    JsonNode template = body.path("template");
    assertThat(body.path("type").asText()).isEqualTo("template");
    assertThat(template.path("name").asText()).isEqualTo("order_update");
    assertThat(template.path("language").path("code").asText()).isEqualTo("pt_BR");
    JsonNode components = template.path("components");
    assertThat(components.path(0).path("parameters").path(0).path("image").path("link").asText())
        .isEqualTo("https://cdn.example.com/h.jpg");
    assertThat(components.path(1).path("type").asText()).isEqualTo("body");
    assertThat(components.path(1).path("parameters").path(1).path("text").asText()).isEqualTo("A-17");
    assertThat(components.path(2).path("sub_type").asText()).isEqualTo("url");
    assertThat(components.path(2).path("index").asText()).isEqualTo("0");
  }

  @Test
  void reactionNamesTheMessageAndTheEmoji() throws Exception {
    JsonNode body =
        sent(message("reaction", "{\"message_id\":\"wamid.INBOUND123\",\"emoji\":\"👍\"}"));

    assertThat(body.path("type").asText()).isEqualTo("reaction");
    assertThat(body.path("reaction").path("message_id").asText()).isEqualTo("wamid.INBOUND123");
    assertThat(body.path("reaction").path("emoji").asText()).isEqualTo("👍");
  }

  @Test
  void markReadPostsTheReadStatusOfTheInboundMessage() throws Exception {
    meta.setDefault(Reply.json(200, "{\"success\":true}"));

    provider.markRead("wamid.INBOUND123");

    JsonNode body = meta.only().json();
    assertThat(meta.only().path()).isEqualTo("/v23.0/106540352242922/messages");
    assertThat(body.path("messaging_product").asText()).isEqualTo("whatsapp");
    assertThat(body.path("status").asText()).isEqualTo("read");
    assertThat(body.path("message_id").asText()).isEqualTo("wamid.INBOUND123");
    assertThat(body.has("typing_indicator")).isFalse();
    assertThat(body.size()).isEqualTo(3);
  }
}
