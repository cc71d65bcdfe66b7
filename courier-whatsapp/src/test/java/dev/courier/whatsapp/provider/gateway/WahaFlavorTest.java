package dev.courier.whatsapp.provider.gateway;

import static dev.courier.whatsapp.provider.testing.Providers.HTTP;
import static dev.courier.whatsapp.provider.testing.Providers.json;
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
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** WAHA: Cloud-API-shaped messages become WAHA requests; typing is start, wait, stop; errors. */
class WahaFlavorTest {
  static final String SENT =
      "{\"id\":\"true_5511999999999@c.us_3EB0B4A1F2C3D4E5\",\"timestamp\":1717689097,"
          + "\"body\":\"hi\",\"fromMe\":true}";
  static final String SESSION_DOWN =
      "{\"error\":\"Session status is not as expected. Try again later or restart the session\","
          + "\"session\":\"default\",\"status\":\"SCAN_QR_CODE\",\"expected\":[\"WORKING\"]}";

  FakeProviderServer waha;
  GatewayProvider provider;

  @BeforeEach
  void start() {
    waha = FakeProviderServer.start(Reply.json(201, SENT));
    provider =
        new GatewayProvider(
            new GatewaySettings("waha", waha.baseUri(), "waha-secret-key", "default", null), HTTP);
  }

  @AfterEach
  void stop() {
    waha.close();
  }

  JsonNode sent(OutboundMessage m) throws Exception {
    provider.send(m);
    return waha.only().json();
  }

  ProviderException failure(OutboundMessage m) {
    return catchThrowableOfType(ProviderException.class, () -> provider.send(m));
  }

  @Test
  void textGoesToSendTextWithSessionChatIdAndTheApiKeyHeader() throws Exception {
    SendReceipt receipt = provider.send(message("text", "{\"body\":\"Olá!\"}"));

    Recorded request = waha.only();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/api/sendText");
    assertThat(request.header("X-Api-Key")).isEqualTo("waha-secret-key");
    JsonNode body = request.json();
    assertThat(body.path("session").asText()).isEqualTo("default");
    assertThat(body.path("chatId").asText()).isEqualTo("5511999999999@c.us");
    assertThat(body.path("text").asText()).isEqualTo("Olá!");
    assertThat(body.path("linkPreview").asBoolean()).isFalse();
    assertThat(receipt.providerMessageId()).isEqualTo("true_5511999999999@c.us_3EB0B4A1F2C3D4E5");
  }

  @Test
  void typingIsStartedHeldForTheDurationStoppedAndThenTheMessageGoes() throws Exception {
    waha.reply(Reply.json(201, "{\"result\":true}"), Reply.json(201, "{\"result\":true}"));

    provider.send(withTyping(message("text", "{\"body\":\"hi\"}"), Duration.ofMillis(400), null));

    List<Recorded> requests = waha.requests();
    assertThat(requests).extracting(Recorded::path)
        .containsExactly("/api/startTyping", "/api/stopTyping", "/api/sendText");
    assertThat(requests.get(0).json().path("chatId").asText()).isEqualTo("5511999999999@c.us");
    assertThat(requests.get(0).json().path("session").asText()).isEqualTo("default");
    assertThat(Duration.between(requests.get(0).at(), requests.get(1).at()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(380));
  }

  @Test
  void aSessionThatIsDownWhenTypingStartsIsUnavailableAndNothingIsSent() {
    waha.reply(Reply.json(422, SESSION_DOWN));

    ProviderException e =
        failure(withTyping(message("text", "{\"body\":\"hi\"}"), Duration.ofSeconds(2), null));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.UNAVAILABLE);
    assertThat(e.code()).isEqualTo("not_connected");
    assertThat(waha.requests()).hasSize(1);
  }

  @Test
  void aGroupChatIdPassesThrough() throws Exception {
    JsonNode body = sent(withTo(message("text", "{\"body\":\"oi\"}"), "120363025246125486@g.us"));

    assertThat(body.path("chatId").asText()).isEqualTo("120363025246125486@g.us");
  }

  @Test
  void aReplyNamesTheRepliedMessageBySerializedId() throws Exception {
    JsonNode plain = sent(withReplyTo(message("text", "{\"body\":\"sim\"}"), "AAAAAAAAAAAAAAAAAAAA"));

    assertThat(plain.path("reply_to").asText()).isEqualTo("false_5511999999999@c.us_AAAAAAAAAAAAAAAAAAAA");
  }

  @Test
  void aSerializedReplyIdIsKeptAsItIs() throws Exception {
    JsonNode body =
        sent(withReplyTo(message("text", "{\"body\":\"sim\"}"), "false_5511999999999@c.us_BBBB"));

    assertThat(body.path("reply_to").asText()).isEqualTo("false_5511999999999@c.us_BBBB");
  }

  @Test
  void imageGoesToSendImageAsARemoteFileWithCaption() throws Exception {
    JsonNode body =
        sent(message("image", "{\"link\":\"https://cdn.example.com/p.jpg\",\"caption\":\"Pedido\"}"));

    assertThat(waha.only().path()).isEqualTo("/api/sendImage");
    assertThat(body.path("file").path("url").asText()).isEqualTo("https://cdn.example.com/p.jpg");
    assertThat(body.path("file").path("mimetype").asText()).isEqualTo("image/jpeg");
    assertThat(body.path("caption").asText()).isEqualTo("Pedido");
  }

  @Test
  void documentGoesToSendFileWithItsFilename() throws Exception {
    JsonNode body =
        sent(
            message(
                "document",
                "{\"link\":\"https://cdn.example.com/n.pdf\",\"filename\":\"nota-123.pdf\"}"));

    assertThat(waha.only().path()).isEqualTo("/api/sendFile");
    assertThat(body.path("file").path("filename").asText()).isEqualTo("nota-123.pdf");
    assertThat(body.path("file").path("mimetype").asText()).isEqualTo("application/pdf");
  }

  @Test
  void audioGoesToSendVoice() throws Exception {
    JsonNode body = sent(message("audio", "{\"link\":\"https://cdn.example.com/a.opus\"}"));

    assertThat(waha.only().path()).isEqualTo("/api/sendVoice");
    assertThat(body.path("file").path("url").asText()).isEqualTo("https://cdn.example.com/a.opus");
    assertThat(body.path("file").path("mimetype").asText()).isEqualTo("audio/ogg; codecs=opus");
  }

  @Test
  void videoGoesToSendVideo() throws Exception {
    JsonNode body =
        sent(message("video", "{\"link\":\"https://cdn.example.com/stream\",\"caption\":\"Demo\"}"));

    assertThat(waha.only().path()).isEqualTo("/api/sendVideo");
    assertThat(body.path("file").path("mimetype").asText()).isEqualTo("video/mp4");
    assertThat(body.path("caption").asText()).isEqualTo("Demo");
  }

  @Test
  void locationCarriesCoordinatesAndItsNameAsTitle() throws Exception {
    JsonNode body =
        sent(
            message(
                "location",
                "{\"latitude\":-23.5614,\"longitude\":-46.6559,\"name\":\"Loja Paulista\","
                    + "\"address\":\"Av. Paulista, 1000\"}"));

    assertThat(waha.only().path()).isEqualTo("/api/sendLocation");
    assertThat(body.path("latitude").asDouble()).isEqualTo(-23.5614);
    assertThat(body.path("longitude").asDouble()).isEqualTo(-46.6559);
    assertThat(body.path("title").asText()).isEqualTo("Loja Paulista");
  }

  @Test
  void contactsGoToSendContactVcard() throws Exception {
    JsonNode body =
        sent(
            message(
                "contacts",
                "{\"contacts\":[{\"name\":{\"first_name\":\"Ana\",\"last_name\":\"Souza\"},"
                    + "\"phones\":[{\"phone\":\"+5511988887777\"}]}]}"));

    assertThat(waha.only().path()).isEqualTo("/api/sendContactVcard");
    JsonNode card = body.path("contacts").path(0);
    assertThat(card.path("fullName").asText()).isEqualTo("Ana Souza");
    assertThat(card.path("phoneNumber").asText()).isEqualTo("+5511988887777");
    assertThat(card.path("whatsappId").asText()).isEqualTo("5511988887777");
  }

  @Test
  void aReactionIsPutWithTheReactedMessagesSerializedId() throws Exception {
    waha.setDefault(Reply.json(200, "{}"));

    SendReceipt receipt =
        provider.send(message("reaction", "{\"message_id\":\"AAAAAAAAAAAA\",\"emoji\":\"❤️\"}"));

    Recorded request = waha.only();
    assertThat(request.method()).isEqualTo("PUT");
    assertThat(request.path()).isEqualTo("/api/reaction");
    assertThat(request.json().path("messageId").asText()).isEqualTo("false_5511999999999@c.us_AAAAAAAAAAAA");
    assertThat(request.json().path("reaction").asText()).isEqualTo("❤️");
    assertThat(receipt.providerMessageId()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"template", "interactive", "sticker"})
  void typesWahaCannotSendAreRefusedBeforeAnyHttpCall(String type) {
    ProviderException e =
        failure(withTyping(message(type, "{\"name\":\"x\",\"link\":\"https://a/b.webp\"}"), Duration.ofSeconds(1), null));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.PERMANENT);
    assertThat(e.code()).isEqualTo("unsupported_type");
    assertThat(e.getMessage()).isEqualTo("gateway waha cannot send " + type + " messages");
    assertThat(waha.requests()).isEmpty();
  }

  @Test
  void theMessageIdIsReadFromAStringAnObjectOrTheRawMessageKey() {
    String chat = "5511999999999@c.us";
    assertThat(WahaFlavor.messageId(json("{\"id\":\"true_x@c.us_A\"}"), chat)).isEqualTo("true_x@c.us_A");
    assertThat(
            WahaFlavor.messageId(
                json("{\"id\":{\"fromMe\":true,\"id\":\"B\",\"_serialized\":\"true_x@c.us_B\"}}"), chat))
        .isEqualTo("true_x@c.us_B");
    assertThat(WahaFlavor.messageId(json("{\"key\":{\"id\":\"C\",\"fromMe\":true}}"), chat))
        .isEqualTo("true_5511999999999@c.us_C");
    assertThat(WahaFlavor.messageId(json("{}"), chat)).isNull();
  }

  @Test
  void aSessionThatIsNotWorkingIsUnavailable() {
    waha.setDefault(Reply.json(422, SESSION_DOWN));

    ProviderException e = failure(message("text", "{\"body\":\"hi\"}"));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.UNAVAILABLE);
    assertThat(e.code()).isEqualTo("not_connected");
    assertThat(e.getMessage()).contains("Session status is not as expected").contains("SCAN_QR_CODE");
  }

  @Test
  void anUnknownSessionIsUnavailable() {
    waha.setDefault(
        Reply.json(
            404,
            "{\"statusCode\":404,\"message\":\"We didn't find a session with name 'default'.\","
                + "\"error\":\"Not Found\"}"));

    assertThat(failure(message("text", "{\"body\":\"hi\"}")).errorClass()).isEqualTo(ErrorClass.UNAVAILABLE);
  }

  @Test
  void anotherUnprocessableRequestIsPermanent() {
    waha.setDefault(Reply.json(422, "{\"statusCode\":422,\"message\":\"chatId must be a string\"}"));

    ProviderException e = failure(message("text", "{\"body\":\"hi\"}"));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.PERMANENT);
    assertThat(e.code()).isEqualTo("http_422");
  }

  @Test
  void tooManyRequestsIsThrottled() {
    waha.setDefault(Reply.json(429, "{}").withHeader("Retry-After", "3"));

    ProviderException e = failure(message("text", "{\"body\":\"hi\"}"));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.THROTTLED);
    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aWrongApiKeyPausesTheInstance() {
    waha.setDefault(Reply.json(401, "{\"message\":\"Unauthorized\",\"statusCode\":401}"));

    ProviderException e = failure(message("text", "{\"body\":\"hi\"}"));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.PAUSE_INSTANCE);
    assertThat(e.getMessage()).doesNotContain("waha-secret-key");
  }

  @Test
  void aServerErrorIsInDoubt() {
    waha.setDefault(
        Reply.json(500, "{\"statusCode\":500,\"exception\":{\"message\":\"server returned error 463\"}}"));

    ProviderException e = failure(message("text", "{\"body\":\"hi\"}"));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.IN_DOUBT);
    assertThat(e.getMessage()).contains("server returned error 463");
  }

  @Test
  void markReadSendsSeenForTheMessageInItsChat() throws Exception {
    waha.setDefault(Reply.json(201, "{}"));

    provider.markRead("AAAAAAAAAAAA", "+5511999999999");

    Recorded request = waha.only();
    assertThat(request.path()).isEqualTo("/api/sendSeen");
    assertThat(request.json().path("session").asText()).isEqualTo("default");
    assertThat(request.json().path("chatId").asText()).isEqualTo("5511999999999@c.us");
    assertThat(request.json().path("messageIds").path(0).asText())
        .isEqualTo("false_5511999999999@c.us_AAAAAAAAAAAA");
  }

  @Test
  void markReadWithoutTheChatReadsItFromTheSerializedId() throws Exception {
    waha.setDefault(Reply.json(201, "{}"));

    provider.markRead("false_120363025246125486@g.us_CCCC_5511988887777@c.us");

    assertThat(waha.only().json().path("chatId").asText()).isEqualTo("120363025246125486@g.us");
  }
}
