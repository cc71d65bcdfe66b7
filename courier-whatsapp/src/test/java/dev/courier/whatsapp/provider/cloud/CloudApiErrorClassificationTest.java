package dev.courier.whatsapp.provider.cloud;

import static dev.courier.whatsapp.provider.testing.Providers.HTTP;
import static dev.courier.whatsapp.provider.testing.Providers.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.courier.whatsapp.provider.ErrorClass;
import dev.courier.whatsapp.provider.ProviderException;
import dev.courier.whatsapp.provider.testing.FakeProviderServer;
import dev.courier.whatsapp.provider.testing.FakeProviderServer.Reply;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each Cloud API error answer, in Meta's envelope and with the HTTP status Meta documents, becomes
 * the right {@link ErrorClass} with Meta's code on the exception.
 */
class CloudApiErrorClassificationTest {
  FakeProviderServer meta;
  CloudApiProvider provider;

  @BeforeEach
  void start() {
    meta = FakeProviderServer.start(Reply.json(200, "{\"messages\":[{\"id\":\"wamid.X\"}]}"));
    provider = provider(Clock.systemUTC());
  }

  CloudApiProvider provider(Clock clock) {
    return new CloudApiProvider(
        new CloudApiSettings(meta.baseUri(), null, "1065", "EAAG-secret-token", Duration.ofSeconds(5)),
        HTTP,
        clock);
  }

  @AfterEach
  void stop() {
    meta.close();
  }

  static String envelope(int code, String message, String details) {
    return """
        {"error":{"message":"%s","type":"OAuthException","code":%d,
          "error_data":{"messaging_product":"whatsapp","details":"%s"},
          "fbtrace_id":"AbCdEf123"}}"""
        .formatted(message, code, details);
  }

  ProviderException sendAndFail(String type, String content) {
    return catchThrowableOfType(
        ProviderException.class, () -> provider.send(message(type, content)));
  }

  ProviderException sendAndFail() {
    return sendAndFail("text", "{\"body\":\"segredo do cliente\"}");
  }

  @ParameterizedTest(name = "code {0} with HTTP {1} is {2}")
  @CsvSource({
    // throttled: nothing sent, retry later without spending an attempt
    "130429, 400, THROTTLED",
    "131056, 400, THROTTLED",
    "4, 400, THROTTLED",
    "17, 400, THROTTLED",
    "613, 400, THROTTLED",
    "80007, 400, THROTTLED",
    "2, 503, THROTTLED",
    "131016, 500, THROTTLED",
    "131057, 500, THROTTLED",
    // in doubt: Meta may have taken it
    "131000, 500, IN_DOUBT",
    "1, 400, IN_DOUBT",
    // the number cannot send
    "0, 401, PAUSE_INSTANCE",
    "3, 500, PAUSE_INSTANCE",
    "10, 403, PAUSE_INSTANCE",
    "190, 401, PAUSE_INSTANCE",
    "200, 403, PAUSE_INSTANCE",
    "250, 403, PAUSE_INSTANCE",
    "299, 403, PAUSE_INSTANCE",
    "33, 400, PAUSE_INSTANCE",
    "368, 403, PAUSE_INSTANCE",
    "131005, 403, PAUSE_INSTANCE",
    "131031, 403, PAUSE_INSTANCE",
    "131037, 400, PAUSE_INSTANCE",
    "131042, 400, PAUSE_INSTANCE",
    "131045, 500, PAUSE_INSTANCE",
    "131048, 400, PAUSE_INSTANCE",
    "133010, 400, PAUSE_INSTANCE",
    // the template is unusable
    "132015, 400, PAUSE_TEMPLATE",
    "132016, 400, PAUSE_TEMPLATE",
    // never as it is
    "100, 400, PERMANENT",
    "130472, 400, PERMANENT",
    "130497, 403, PERMANENT",
    "131008, 400, PERMANENT",
    "131009, 400, PERMANENT",
    "131021, 400, PERMANENT",
    "131026, 400, PERMANENT",
    "131047, 400, PERMANENT",
    "131050, 400, PERMANENT",
    "131051, 400, PERMANENT",
    "131052, 400, PERMANENT",
    "131053, 400, PERMANENT",
    "132000, 400, PERMANENT",
    "132001, 404, PERMANENT",
    "132005, 400, PERMANENT",
    "132007, 400, PERMANENT",
    "132012, 400, PERMANENT",
    "132068, 400, PERMANENT",
    "132069, 400, PERMANENT",
    "135000, 400, PERMANENT",
    // the recipient has had enough marketing
    "131049, 400, HOLD_RECIPIENT",
    // codes Courier does not know fall back on the status
    "999001, 400, PERMANENT",
    "999001, 404, PERMANENT",
    "999001, 401, PAUSE_INSTANCE",
    "999001, 403, PAUSE_INSTANCE",
    "999001, 429, THROTTLED",
    "999001, 500, IN_DOUBT",
    "999001, 503, IN_DOUBT",
  })
  void metasErrorCodeDecidesTheClass(int code, int status, ErrorClass expected) {
    meta.setDefault(Reply.json(status, envelope(code, "(#" + code + ") Some title", "Some details")));

    ProviderException e = sendAndFail();

    assertThat(e.errorClass()).isEqualTo(expected);
    assertThat(e.code()).isEqualTo(Integer.toString(code));
  }

  @Test
  void everyCodeInTheTableIsClassifiedAsTheTableSays() {
    for (var rule : CloudApiErrors.rules()) {
      if (!rule.key().chars().allMatch(Character::isDigit)) {
        continue;
      }
      assertThat(CloudApiErrors.classify(400, Integer.valueOf(rule.key())))
          .as("code %s", rule.key())
          .isEqualTo(rule);
    }
  }

  @Test
  void aCodeSentAsAStringIsStillMetasCode() {
    meta.setDefault(Reply.json(400, "{\"error\":{\"message\":\"pair rate\",\"code\":\"131056\"}}"));

    ProviderException e = sendAndFail();

    assertThat(e.errorClass()).isEqualTo(ErrorClass.THROTTLED);
    assertThat(e.code()).isEqualTo("131056");
  }

  @Test
  void tooManyRequestsWithoutACodeIsThrottledForTheSecondsRetryAfterAsks() {
    meta.setDefault(Reply.json(429, "").withHeader("Retry-After", "7"));

    ProviderException e = sendAndFail();

    assertThat(e.errorClass()).isEqualTo(ErrorClass.THROTTLED);
    assertThat(e.code()).isEqualTo("http_429");
    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void retryAfterGivenAsAnHttpDateIsTheTimeUntilThatDate() {
    Clock clock = Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);
    meta.setDefault(
        Reply.json(400, envelope(130429, "(#130429) Rate limit hit", "throughput"))
            .withHeader("Retry-After", "Mon, 23 Nov 2026 12:00:30 GMT"));

    ProviderException e =
        catchThrowableOfType(
            ProviderException.class,
            () -> provider(clock).send(message("text", "{\"body\":\"hi\"}")));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.THROTTLED);
    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void throttlingWithoutRetryAfterLeavesTheWaitToTheBackoff() {
    meta.setDefault(Reply.json(400, envelope(131056, "(#131056) pair rate limit hit", "d")));

    assertThat(sendAndFail().retryAfter()).isNull();
  }

  @Test
  void aServerErrorWithoutMetasEnvelopeIsInDoubt() {
    meta.setDefault(Reply.text(502, "<html><body>Bad Gateway</body></html>"));

    ProviderException e = sendAndFail();

    assertThat(e.errorClass()).isEqualTo(ErrorClass.IN_DOUBT);
    assertThat(e.code()).isEqualTo("http_502");
    assertThat(e.getMessage()).contains("HTTP 502").doesNotContain("html");
  }

  @Test
  void anUnauthorizedAnswerWithoutACodePausesTheInstance() {
    meta.setDefault(Reply.json(401, "{}"));

    ProviderException e = sendAndFail();

    assertThat(e.errorClass()).isEqualTo(ErrorClass.PAUSE_INSTANCE);
    assertThat(e.code()).isEqualTo("http_401");
  }

  @Test
  void theErrorTextIsMetasMessageDetailsAndTraceIdNeverTheBodyOrTheToken() {
    meta.setDefault(
        Reply.json(
            400,
            envelope(
                131026,
                "(#131026) Message undeliverable",
                "Message failed to send because the recipient is not a WhatsApp user")));

    ProviderException e = sendAndFail();

    assertThat(e.getMessage())
        .isEqualTo(
            "(#131026) Message undeliverable: Message failed to send because the recipient is"
                + " not a WhatsApp user (fbtrace_id AbCdEf123)")
        .doesNotContain("segredo")
        .doesNotContain("EAAG-secret-token");
    assertThat(e.template()).isNull();
  }

  @Test
  void aPausedTemplateNamesTheTemplateSoItsMessagesCanBeHeld() {
    meta.setDefault(Reply.json(400, envelope(132015, "(#132015) Template is paused", "low quality")));

    ProviderException e =
        sendAndFail(
            "template", "{\"name\":\"order_update\",\"language\":{\"code\":\"pt_BR\"}}");

    assertThat(e.errorClass()).isEqualTo(ErrorClass.PAUSE_TEMPLATE);
    assertThat(e.code()).isEqualTo("132015");
    assertThat(e.template()).isEqualTo("order_update");
  }

  @Test
  void aDisabledTemplateNamesTheTemplateToo() {
    meta.setDefault(Reply.json(400, envelope(132016, "(#132016) Template is disabled", "d")));

    ProviderException e =
        sendAndFail("template", "{\"name\":\"promo_black_friday\",\"language\":{\"code\":\"pt_BR\"}}");

    assertThat(e.errorClass()).isEqualTo(ErrorClass.PAUSE_TEMPLATE);
    assertThat(e.template()).isEqualTo("promo_black_friday");
  }

  @Test
  void markReadFailuresAreClassifiedTheSameWay() {
    meta.setDefault(Reply.json(401, envelope(190, "Error validating access token", "expired")));

    ProviderException e =
        catchThrowableOfType(ProviderException.class, () -> provider.markRead("wamid.IN"));

    assertThat(e.errorClass()).isEqualTo(ErrorClass.PAUSE_INSTANCE);
    assertThat(e.code()).isEqualTo("190");
  }
}
