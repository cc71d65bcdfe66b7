package dev.courier.whatsapp.provider.gateway;

import static dev.courier.whatsapp.provider.testing.Providers.HTTP;
import static dev.courier.whatsapp.provider.testing.Providers.message;
import static dev.courier.whatsapp.provider.testing.Providers.withReplyTo;
import static dev.courier.whatsapp.provider.testing.Providers.withTo;
import static dev.courier.whatsapp.provider.testing.Providers.withTyping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.whatsapp.provider.ErrorClass;
import dev.courier.whatsapp.provider.OutboundMessage;
import dev.courier.whatsapp.provider.ProviderException;
import dev.courier.whatsapp.provider.SendReceipt;
import dev.courier.whatsapp.provider.testing.FakeProviderServer;
import dev.courier.whatsapp.provider.testing.FakeProviderServer.Recorded;
import dev.courier.whatsapp.provider.testing.FakeProviderServer.Reply;
import dev.courier.whatsapp.provider.testing.Providers;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Evolution API v2: Cloud-API-shaped messages become Evolution requests; its errors are classified. */
class EvolutionFlavorTest {
  static final String SENT =
      """
      {"key":{"remoteJid":"5511999999999@s.whatsapp.net","fromMe":true,"id":"BAE594145F4C59B4"},
       "message":{"extendedTextMessage":{"text":"Olá!"}},"messageTimestamp":"1717689097",
       "status":"PENDING"}""";

  FakeProviderServer evolution;
  GatewayProvider provider;

  @BeforeEach
  void start() {
    evolution = FakeProviderServer.start(Reply.json(201, SENT));
    provider = provider(evolution.baseUri(), Duration.ofSeconds(5));
  }

  static GatewayProvider provider(URI baseUrl, Duration timeout) {
    return new GatewayProvider(
        new GatewaySettings("evolution", baseUrl, "evo-secret-key", "sales br", timeout), HTTP);
  }

  @AfterEach
  void stop() {
    evolution.close();
  }

  JsonNode sent(OutboundMessage m) throws Exception {
    provider.send(m);
    return evolution.only().json();
  }

  ProviderException failure(OutboundMessage m) {
    return catchThrowableOfType(ProviderException.class, () -> provider.send(m));
  }

  @Test
  void textGoesToSendTextOfTheInstanceWithTheNumberInDigitsAndTheApiKeyHeader() throws Exception {
    SendReceipt receipt =
        provider.send(message("text", "{\"body\":\"Olá! https://courier.dev\",\"preview_url\":true}"));

    Recorded request = evolution.only();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/message/sendText/sales%20br");
    assertThat(request.header("apikey")).isEqualTo("evo-secret-key");
    assertThat(request.header("Content-Type")).isEqualTo("application/json");
    JsonNode body = request.json();
    assertThat(body.path("number").asText()).isEqualTo("5511999999999");
    assertThat(body.path("text").asText()).isEqualTo("Olá! https://courier.dev");
    assertThat(body.path("linkPreview").asBoolean()).isTrue();
    assertThat(body.has("delay")).isFalse();
    assertThat(body.has("quoted")).isFalse();
    assertThat(receipt.providerMessageId()).isEqualTo("BAE594145F4C59B4");
  }

  @Test
  void linkPreviewIsOffUnlessTheMessageAsksForIt() throws Exception {
    assertThat(sent(message("text", "{\"body\":\"https://courier.dev\"}")).path("linkPreview").asBoolean())
        .isFalse();
  }

  @Test
  void typingBecomesEvolutionsDelayInMillisecondsWithNoSeparateCall() throws Exception {
    JsonNode body =
        sent(withTyping(message("text", "{\"body\":\"hi\"}"), Duration.ofMillis(1500), null));

    assertThat(body.path("delay").asLong()).isEqualTo(1500);
  }

  @Test
  void anAnswerThatTakesTheTypingDelayIsNotMistakenForATimeout() throws Exception {
    evolution.setDefault(Reply.json(201, SENT).after(Duration.ofMillis(700)));
    GatewayProvider impatient = provider(evolution.baseUri(), Duration.ofMillis(300));

    SendReceipt receipt =
        impatient.send(withTyping(message("text", "{\"body\":\"hi\"}"), Duration.ofMillis(700), null));

    assertThat(receipt.providerMessageId()).isEqualTo("BAE594145F4C59B4");
  }

  @Test
  void aGroupChatIdPassesThroughAsTheNumber() throws Exception {
    JsonNode body = sent(withTo(message("text", "{\"body\":\"oi\"}"), "120363025246125486@g.us"));

    assertThat(body.path("number").asText()).isEqualTo("120363025246125486@g.us");
  }

  @Test
  void aReplyQuotesTheRepliedMessageByItsKeyId() throws Exception {
    JsonNode body = sent(withReplyTo(message("text", "{\"body\":\"sim\"}"), "3EB0C767D097B7C7C030"));

    assertThat(body.path("quoted").path("key").path("id").asText()).isEqualTo("3EB0C767D097B7C7C030");
  }

  @Test
  void imageGoesToSendMediaWithMediatypeLinkMimetypeAndCaption() throws Exception {
    JsonNode body =
        sent(message("image", "{\"link\":\"https://cdn.example.com/p.jpg\",\"caption\":\"Pedido\"}"));

    assertThat(evolution.only().path()).isEqualTo("/message/sendMedia/sales%20br");
    assertThat(body.path("number").asText()).isEqualTo("5511999999999");
    assertThat(body.path("mediatype").asText()).isEqualTo("image");
    assertThat(body.path("media").asText()).isEqualTo("https://cdn.example.com/p.jpg");
    assertThat(body.path("mimetype").asText()).isEqualTo("image/jpeg");
    assertThat(body.path("caption").asText()).isEqualTo("Pedido");
  }

  @Test
  void documentCarriesItsFileNameAndMimetype() throws Exception {
    JsonNode body =
        sent(
            message(
                "document",
                "{\"link\":\"https://cdn.example.com/x?id=9\",\"caption\":\"Nota\","
                    + "\"filename\":\"nota-123.pdf\"}"));

    assertThat(body.path("mediatype").asText()).isEqualTo("document");
    assertThat(body.path("fileName").asText()).isEqualTo("nota-123.pdf");
    assertThat(body.path("mimetype").asText()).isEqualTo("application/pdf");
    assertThat(body.path("caption").asText()).isEqualTo("Nota");
  }

  @Test
  void videoGoesToSendMedia() throws Exception {
    JsonNode body = sent(message("video", "{\"link\":\"https://cdn.example.com/v.mp4\"}"));

    assertThat(body.path("mediatype").asText()).isEqualTo("video");
    assertThat(body.path("mimetype").asText()).isEqualTo("video/mp4");
    assertThat(body.has("caption")).isFalse();
  }

  @Test
  void audioGoesToSendWhatsAppAudioAsAVoiceNote() throws Exception {
    JsonNode body = sent(message("audio", "{\"link\":\"https://cdn.example.com/a.ogg\"}"));

    assertThat(evolution.only().path()).isEqualTo("/message/sendWhatsAppAudio/sales%20br");
    assertThat(body.path("number").asText()).isEqualTo("5511999999999");
    assertThat(body.path("audio").asText()).isEqualTo("https://cdn.example.com/a.ogg");
  }

  @Test
  void stickerGoesToSendSticker() throws Exception {
    JsonNode body = sent(message("sticker", "{\"link\":\"https://cdn.example.com/s.webp\"}"));

    assertThat(evolution.only().path()).isEqualTo("/message/sendSticker/sales%20br");
    assertThat(body.path("sticker").asText()).isEqualTo("https://cdn.example.com/s.webp");
  }

  @Test
  void locationCarriesCoordinatesNameAndAddress() throws Exception {
    JsonNode body =
        sent(
            message(
                "location",
                "{\"latitude\":-23.5614,\"longitude\":-46.6559,\"name\":\"Loja Paulista\","
                    + "\"address\":\"Av. Paulista, 1000\"}"));

    assertThat(evolution.only().path()).isEqualTo("/message/sendLocation/sales%20br");
    assertThat(body.path("latitude").asDouble()).isEqualTo(-23.5614);
    assertThat(body.path("longitude").asDouble()).isEqualTo(-46.6559);
    assertThat(body.path("name").asText()).isEqualTo("Loja Paulista");
    assertThat(body.path("address").asText()).isEqualTo("Av. Paulista, 1000");
  }

  @Test
  void contactsBecomeEvolutionContactCards() throws Exception {
    JsonNode body =
        sent(
            message(
                "contacts",
                """
                {"contacts":[{"name":{"formatted_name":"Ana Souza"},
                  "phones":[{"phone":"+55 11 98888-7777","wa_id":"5511988887777"}],
                  "emails":[{"email":"ana@example.com"}],"org":{"company":"Courier"},
                  "urls":[{"url":"https://courier.dev"}]}]}"""));

    assertThat(evolution.only().path()).isEqualTo("/message/sendContact/sales%20br");
    JsonNode card = body.path("contact").path(0);
    assertThat(card.path("fullName").asText()).isEqualTo("Ana Souza");
    assertThat(card.path("wuid").asText()).isEqualTo("5511988887777");
    assertThat(card.path("phoneNumber").asText()).isEqualTo("+55 11 98888-7777");
    assertThat(card.path("organization").asText()).isEqualTo("Courier");
    assertThat(card.path("email").asText()).isEqualTo("ana@example.com");
    assertThat(card.path("url").asText()).isEqualTo("https://courier.dev");
  }

  @Test
  void aReactionIsAddressedToTheReactedMessagesKey() throws Exception {
    JsonNode body =
        sent(
            withTyping(
                message("reaction", "{\"message_id\":\"3EB0C767D097B7C7C030\",\"emoji\":\"👍\"}"),
                Duration.ofSeconds(2),
                null));

    assertThat(evolution.only().path()).isEqualTo("/message/sendReaction/sales%20br");
    JsonNode key = body.path("key");
    assertThat(key.path("remoteJid").asText()).isEqualTo("5511999999999@s.whatsapp.net");
    assertThat(key.path("fromMe").asBoolean()).isFalse();
    assertThat(key.path("id").asText()).isEqualTo("3EB0C767D097B7C7C030");
    assertThat(body.path("reaction").asText()).isEqualTo("👍");
    assertThat(body.has("delay")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"template", "interactive"})
  void typesEvolutionCannotSendAreRefusedBeforeAnyHttpCall(String type) {
    ProviderException e = failure(message(type, "{\"name\":\"x\",\"type\":\"button\"}"));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.PERMANENT);
    assertThat(e.code()).isEqualTo("unsupported_type");
    assertThat(e.getMessage()).isEqualTo("gateway evolution cannot send " + type + " messages");
    assertThat(evolution.requests()).isEmpty();
  }

  @Test
  void mediaGivenByCloudApiMediaIdIsRefusedBeforeAnyHttpCall() {
    ProviderException e = failure(message("image", "{\"id\":\"1479537139650973\"}"));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.PERMANENT);
    assertThat(e.code()).isEqualTo("unsupported_content");
    assertThat(evolution.requests()).isEmpty();
  }

  @Test
  void tooManyRequestsIsThrottledForTheRetryAfterSeconds() {
    evolution.setDefault(
        Reply.json(429, "{\"status\":429,\"error\":\"Too Many Requests\"}").withHeader("Retry-After", "12"));

    ProviderException e = failure(message("text", "{\"body\":\"hi\"}"));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.THROTTLED);
    assertThat(e.code()).isEqualTo("http_429");
    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(12));
  }

  @Test
  void aWrongApiKeyPausesTheInstance() {
    evolution.setDefault(
        Reply.json(401, "{\"status\":401,\"error\":\"Unauthorized\",\"response\":{\"message\":\"Unauthorized\"}}"));

    ProviderException e = failure(message("text", "{\"body\":\"hi\"}"));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.PAUSE_INSTANCE);
    assertThat(e.code()).isEqualTo("http_401");
    assertThat(e.getMessage()).contains("sales br").contains("Unauthorized").doesNotContain("evo-secret-key");
  }

  @Test
  void anInstanceThatDoesNotExistIsUnavailable() {
    evolution.setDefault(
        Reply.json(
            404,
            "{\"status\":404,\"error\":\"Not Found\",\"response\":{\"message\":"
                + "[\"The \\\"sales br\\\" instance does not exist\"]}}"));

    ProviderException e = failure(message("text", "{\"body\":\"hi\"}"));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.UNAVAILABLE);
    assertThat(e.code()).isEqualTo("not_connected");
    assertThat(e.getMessage()).contains("instance does not exist");
  }

  @Test
  void aClosedWhatsAppConnectionIsUnavailableNotInDoubt() {
    evolution.setDefault(
        Reply.json(
            500,
            "{\"status\":500,\"error\":\"Internal Server Error\","
                + "\"response\":{\"message\":[\"Error: Connection Closed\"]}}"));

    ProviderException e = failure(message("text", "{\"body\":\"hi\"}"));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.UNAVAILABLE);
    assertThat(e.code()).isEqualTo("not_connected");
  }

  @Test
  void anyOtherServerErrorIsInDoubt() {
    evolution.setDefault(
        Reply.json(
            500,
            "{\"status\":500,\"error\":\"Internal Server Error\","
                + "\"response\":{\"message\":\"Cannot read properties of undefined\"}}"));

    ProviderException e = failure(message("text", "{\"body\":\"hi\"}"));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.IN_DOUBT);
    assertThat(e.code()).isEqualTo("http_500");
  }

  @Test
  void aNumberThatIsNotOnWhatsAppIsPermanent() {
    evolution.setDefault(
        Reply.json(
            400,
            "{\"status\":400,\"error\":\"Bad Request\",\"response\":{\"message\":[{\"exists\":false,"
                + "\"jid\":\"5511999999999@s.whatsapp.net\",\"number\":\"5511999999999\"}]}}"));

    ProviderException e = failure(message("text", "{\"body\":\"segredo\"}"));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.PERMANENT);
    assertThat(e.code()).isEqualTo("http_400");
    assertThat(e.getMessage()).contains("\"exists\":false").doesNotContain("segredo");
  }

  @Test
  void aGatewayThatIsDownIsRetryable() {
    GatewayProvider nobody =
        provider(URI.create("http://127.0.0.1:" + Providers.closedPort()), Duration.ofSeconds(2));

    ProviderException e =
        catchThrowableOfType(
            ProviderException.class, () -> nobody.send(message("text", "{\"body\":\"hi\"}")));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.RETRYABLE);
    assertThat(e.code()).isEqualTo("connect");
  }

  @Test
  void aSendThatIsNeverAnsweredIsInDoubt() {
    evolution.setDefault(Reply.silence());
    GatewayProvider impatient = provider(evolution.baseUri(), Duration.ofMillis(300));

    ProviderException e =
        catchThrowableOfType(
            ProviderException.class, () -> impatient.send(message("text", "{\"body\":\"hi\"}")));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.IN_DOUBT);
    assertThat(e.code()).isEqualTo("timeout");
  }

  @Test
  void markReadSendsTheReadReceiptForTheMessageInItsChat() throws Exception {
    evolution.setDefault(Reply.json(201, "{\"message\":\"Read messages\",\"read\":\"success\"}"));

    provider.markRead("3EB0C767D097B7C7C030", "+5511999999999");

    Recorded request = evolution.only();
    assertThat(request.path()).isEqualTo("/chat/markMessageAsRead/sales%20br");
    JsonNode read = request.json().path("readMessages").path(0);
    assertThat(read.path("remoteJid").asText()).isEqualTo("5511999999999@s.whatsapp.net");
    assertThat(read.path("fromMe").asBoolean()).isFalse();
    assertThat(read.path("id").asText()).isEqualTo("3EB0C767D097B7C7C030");
  }

  @Test
  void markReadWithoutTheChatIsRefusedBecauseEvolutionAddressesReceiptsToAChat() {
    ProviderException e =
        catchThrowableOfType(ProviderException.class, () -> provider.markRead("3EB0C767D097B7C7C030"));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.PERMANENT);
    assertThat(e.code()).isEqualTo("chat_required");
    assertThat(evolution.requests()).isEmpty();
  }
}
