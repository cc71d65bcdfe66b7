package dev.courier.whatsapp.provider.cloud;

import static dev.courier.whatsapp.provider.testing.Providers.HTTP;
import static dev.courier.whatsapp.provider.testing.Providers.message;
import static dev.courier.whatsapp.provider.testing.Providers.withTyping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.whatsapp.provider.ErrorClass;
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

/** The Cloud API typing indicator: tied to an inbound message, shown, waited for, then the send. */
class CloudApiTypingTest {
  static final String ACCEPTED = "{\"messages\":[{\"id\":\"wamid.OUT\"}]}";
  static final String TYPING_OK = "{\"success\":true}";

  FakeProviderServer meta;
  CloudApiProvider provider;

  @BeforeEach
  void start() {
    meta = FakeProviderServer.start(Reply.json(200, ACCEPTED));
    provider =
        new CloudApiProvider(
            new CloudApiSettings(meta.baseUri(), null, "1065", "token", Duration.ofSeconds(5)),
            HTTP);
  }

  @AfterEach
  void stop() {
    meta.close();
  }

  @Test
  void theIndicatorIsShownForTheInboundMessageThenTheMessageGoesAfterTheWait() throws Exception {
    meta.reply(Reply.json(200, TYPING_OK));

    SendReceipt receipt =
        provider.send(
            withTyping(message("text", "{\"body\":\"hi\"}"), Duration.ofMillis(400), "wamid.IN"));

    List<Recorded> requests = meta.requests();
    assertThat(requests).hasSize(2);
    JsonNode typing = requests.get(0).json();
    assertThat(typing.path("messaging_product").asText()).isEqualTo("whatsapp");
    assertThat(typing.path("status").asText()).isEqualTo("read");
    assertThat(typing.path("message_id").asText()).isEqualTo("wamid.IN");
    assertThat(typing.path("typing_indicator").path("type").asText()).isEqualTo("text");
    assertThat(typing.size()).isEqualTo(4);
    assertThat(requests.get(1).json().path("type").asText()).isEqualTo("text");
    assertThat(Duration.between(requests.get(0).at(), requests.get(1).at()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(380));
    assertThat(receipt.providerMessageId()).isEqualTo("wamid.OUT");
  }

  @Test
  void withoutAnInboundMessageTheCloudApiCannotShowTypingSoItIsSkipped() throws Exception {
    long started = System.nanoTime();

    provider.send(withTyping(message("text", "{\"body\":\"hi\"}"), Duration.ofSeconds(3), null));

    assertThat(meta.only().json().path("type").asText()).isEqualTo("text");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void theWaitNeverExceedsTheTwentyFiveSecondsMetaShowsTheIndicator() {
    assertThat(CloudApiProvider.typingWait(Duration.ofSeconds(40))).isEqualTo(Duration.ofSeconds(25));
    assertThat(CloudApiProvider.typingWait(Duration.ofMillis(1500))).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void aRefusedIndicatorDoesNotCostTheMessage() throws Exception {
    meta.reply(
        Reply.json(
            400,
            "{\"error\":{\"message\":\"(#131009) Parameter value is not valid\",\"code\":131009}}"));

    SendReceipt receipt =
        provider.send(
            withTyping(message("text", "{\"body\":\"hi\"}"), Duration.ofSeconds(3), "wamid.OLD"));

    assertThat(meta.requests()).hasSize(2);
    assertThat(receipt.providerMessageId()).isEqualTo("wamid.OUT");
  }

  @Test
  void aThrottledIndicatorStopsTheSend() {
    meta.reply(
        Reply.json(400, "{\"error\":{\"message\":\"(#130429) Rate limit hit\",\"code\":130429}}"));

    ProviderException e =
        catchThrowableOfType(
            ProviderException.class,
            () ->
                provider.send(
                    withTyping(message("text", "{\"body\":\"hi\"}"), Duration.ofSeconds(1), "w")));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.THROTTLED);
    assertThat(e.code()).isEqualTo("130429");
    assertThat(meta.requests()).hasSize(1);
  }

  @Test
  void anIndicatorLostInTransitIsAPlainRetryBecauseTheMessageWasNotSent() {
    meta.reply(Reply.json(503, "{}"));

    ProviderException e =
        catchThrowableOfType(
            ProviderException.class,
            () ->
                provider.send(
                    withTyping(message("text", "{\"body\":\"hi\"}"), Duration.ofSeconds(1), "w")));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.RETRYABLE);
    assertThat(e.code()).isEqualTo("http_503");
    assertThat(e.getMessage()).contains("the message was not sent");
    assertThat(meta.requests()).hasSize(1);
  }
}
