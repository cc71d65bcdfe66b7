package dev.courier.whatsapp.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.Job;
import dev.courier.queue.JobState;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.message.MessageStatus;
import dev.courier.whatsapp.send.FakeCloudApi.Reply;
import dev.courier.whatsapp.send.FakeCloudApi.Request;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the send worker does with each answer of the Cloud API: accepted, throttled, refused for good. */
class CloudSendOutcomeTest extends CloudSendTestBase {

  @Test
  void anAcceptedSendCarriesTheMessageIdAsCallbackDataAndRecordsTheWamid() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w);
    meta.onSend(Reply.accept("wamid.HBgMNTUxMTk5OTk5MDAwMRUCABEYEjA"));

    String id = send(w, text(i.id(), "+55 11 99999-0001", "Olá!"));

    Message m = awaitStatus(w, id, MessageStatus.SENT, Duration.ofSeconds(10));
    Request request = meta.sends().getFirst();
    assertThat(meta.requests()).hasSize(1);
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/v23.0/" + PHONE_NUMBER_ID + "/messages");
    assertThat(request.header("Authorization")).isEqualTo("Bearer tok");
    JsonNode body = request.json();
    assertThat(body.path("biz_opaque_callback_data").asText()).isEqualTo(id);
    assertThat(body.path("messaging_product").asText()).isEqualTo("whatsapp");
    assertThat(body.path("to").asText()).isEqualTo(CHAT);
    assertThat(body.path("type").asText()).isEqualTo("text");
    assertThat(body.path("text").path("body").asText()).isEqualTo("Olá!");
    assertThat(m.providerMessageId()).isEqualTo("wamid.HBgMNTUxMTk5OTk5MDAwMRUCABEYEjA");
    assertThat(m.sentAt()).isNotNull();
    JsonNode attempts = attempts(w, id);
    assertThat(attempts).hasSize(1);
    assertThat(attempts.get(0).get("outcome").asText()).isEqualTo("accepted");
    assertThat(attempts.get(0).get("attempt").asInt()).isEqualTo(1);
    assertThat(history(w, id)).containsExactly("queued", "sending", "sent");
    assertThat(events(w, id)).containsExactly("message.sent");
    assertThat(w.events().eventList(ORG, 0, 100)).filteredOn(e -> e.type().equals("message.sent")).singleElement()
        .satisfies(e -> assertThat(e.payload().get("providerMessageId").asText()).isEqualTo(m.providerMessageId()));
    await().atMost(Duration.ofSeconds(5)).until(() -> job(w, id).state() == JobState.COMPLETED);
  }

  @Test
  void aRateLimitedSendIsRequeuedWithoutSpendingAnAttemptAndWaitsTheRetryAfterHeader() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w);
    // Retry-After 2 s is longer than the worker's own first backoff (1-1.25 s), so honouring it shows.
    meta.onSend(Reply.error(400, 130429, "Rate limit hit").withHeader("Retry-After", "2"));

    String id = send(w, text(i.id(), CHAT, "one"));

    await().atMost(Duration.ofSeconds(10)).until(() -> attemptOutcomes(w, id).contains("throttled"));
    Message requeued = message(w, id);
    assertThat(requeued.status()).isEqualTo(MessageStatus.QUEUED);
    assertThat(requeued.throttleCount()).isEqualTo(1);
    Job waiting = job(w, id);
    assertThat(waiting.state()).isIn(JobState.SCHEDULED, JobState.AVAILABLE);
    assertThat(waiting.attempt()).as("a throttled send spends no attempt").isZero();

    Message sent = awaitStatus(w, id, MessageStatus.SENT, Duration.ofSeconds(10));
    List<Request> sends = meta.sendsOf(id);
    assertThat(sends).hasSize(2);
    assertThat(FakeCloudApi.between(sends.get(0), sends.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
    assertThat(sent.providerMessageId()).startsWith("wamid.FAKE.");
    assertThat(history(w, id)).containsExactly("queued", "sending", "queued", "sending", "sent");
    JsonNode attempts = attempts(w, id);
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(0).get("outcome").asText()).isEqualTo("throttled");
    assertThat(attempts.get(0).get("error").get("code").asText()).isEqualTo("130429");
    assertThat(attempts.get(1).get("outcome").asText()).isEqualTo("accepted");
    await().atMost(Duration.ofSeconds(5)).until(() -> job(w, id).state() == JobState.COMPLETED);
    Job done = job(w, id);
    assertThat(done.attempt()).as("both calls ran as the job's first attempt").isEqualTo(1);
    assertThat(done.errors()).isEmpty();
    assertThat(events(w, id)).containsExactly("message.sent");
  }

  @Test
  void thePairRateLimitBacksOffOneSecondThenFourSeconds() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w);
    meta.onSend(
        Reply.error(400, 131056, "(Business Account, Consumer Account) pair rate limit hit"),
        Reply.error(400, 131056, "(Business Account, Consumer Account) pair rate limit hit"));

    String id = send(w, text(i.id(), CHAT, "one"));

    Message sent = awaitStatus(w, id, MessageStatus.SENT, Duration.ofSeconds(15));
    List<Request> sends = meta.sendsOf(id);
    assertThat(sends).hasSize(3);
    Duration first = FakeCloudApi.between(sends.get(0), sends.get(1));
    Duration second = FakeCloudApi.between(sends.get(1), sends.get(2));
    assertThat(first).isBetween(Duration.ofMillis(950), Duration.ofMillis(2900));
    assertThat(second).isBetween(Duration.ofMillis(3950), Duration.ofMillis(6500));
    assertThat(sent.throttleCount()).isEqualTo(2);
    assertThat(attemptOutcomes(w, id)).containsExactly("throttled", "throttled", "accepted");
    await().atMost(Duration.ofSeconds(5)).until(() -> job(w, id).state() == JobState.COMPLETED);
    assertThat(job(w, id).attempt()).isEqualTo(1);
    assertThat(job(w, id).errors()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "131026 | 400 | text     | Message undeliverable",
      "131047 | 400 | text     | Re-engagement message",
      "132001 | 404 | template | Template name does not exist in the translation",
  })
  void aPermanentRefusalFailsTheMessageAtOnceAndTheChatGoesOn(int code, int http, String type, String text)
      throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w);
    meta.onSend(Reply.error(http, code, text));
    ObjectNode first = type.equals("template") ? template(i.id(), CHAT, "order_update") : text(i.id(), CHAT, "first");

    String refused = send(w, first);
    String next = send(w, text(i.id(), CHAT, "second"));

    Message failed = awaitStatus(w, refused, MessageStatus.FAILED, Duration.ofSeconds(10));
    assertThat(failed.errorCode()).isEqualTo(String.valueOf(code));
    assertThat(failed.errorMessage()).contains(text).contains("(fbtrace_id ATrace" + code + ")");
    assertThat(failed.providerMessageId()).isNull();
    Message sent = awaitStatus(w, next, MessageStatus.SENT, Duration.ofSeconds(10));
    assertThat(sent.providerMessageId()).startsWith("wamid.FAKE.");
    assertThat(meta.sendsOf(refused)).as("a permanent refusal is not retried").hasSize(1);
    assertThat(meta.sends()).extracting(Request::opaque).containsExactly(refused, next);
    assertThat(attempts(w, refused)).singleElement().satisfies(a -> {
      assertThat(a.get("outcome").asText()).isEqualTo("permanent");
      assertThat(a.get("error").get("code").asText()).isEqualTo(String.valueOf(code));
    });
    assertThat(history(w, refused)).containsExactly("queued", "sending", "failed");
    assertThat(events(w, refused)).containsExactly("message.failed");
    JsonNode view = w.messages().view(failed);
    assertThat(view.get("error").get("code").asText()).isEqualTo(String.valueOf(code));
    await().atMost(Duration.ofSeconds(5)).until(() -> job(w, refused).state() == JobState.COMPLETED);
    assertThat(job(w, refused).attempt()).isEqualTo(1);
    quietFor(Duration.ofMillis(500));
    assertThat(meta.sendsOf(refused)).hasSize(1);
  }
}
