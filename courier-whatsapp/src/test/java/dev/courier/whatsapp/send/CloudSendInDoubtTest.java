package dev.courier.whatsapp.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.JobState;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.message.MessageStatus;
import dev.courier.whatsapp.provider.SendReceipt;
import dev.courier.whatsapp.send.FakeCloudApi.Reply;
import dev.courier.whatsapp.send.FakeCloudApi.Request;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sends whose outcome is unknown (a 5xx, no answer after the request was written): the message is
 * {@code in_doubt} until a status webhook echoing its id proves it went, or the instance's window
 * passes and its policy resends or fails it. Never two sends while a callback can still settle it.
 */
class CloudSendInDoubtTest extends CloudSendTestBase {

  private Instance instance(WhatsApp w, String window, String policy, String timeout) throws Exception {
    return cloudInstance(w, b -> {
      b.putObject("inDoubt").put("window", window).put("policy", policy);
      if (timeout != null) {
        ((ObjectNode) b.get("settings")).put("timeout", timeout);
      }
    });
  }

  @Test
  void aServerErrorLeavesTheMessageInDoubtAndASentCallbackSettlesItWithoutASecondSend() throws Exception {
    WhatsApp w = started(node());
    // A short window with the resend policy: had the callback not settled it, a resend would follow.
    Instance i = instance(w, "2s", "resend", null);
    meta.onSend(Reply.json(500, "{}"));

    String id = send(w, text(i.id(), CHAT, "one"));

    Message doubt = awaitStatus(w, id, MessageStatus.IN_DOUBT, Duration.ofSeconds(10));
    assertThat(doubt.inDoubtSince()).isNotNull();
    assertThat(attempts(w, id)).singleElement().satisfies(a -> {
      assertThat(a.get("outcome").asText()).isEqualTo("in_doubt");
      assertThat(a.get("error").get("code").asText()).isEqualTo("http_500");
    });
    assertThat(events(w, id)).containsExactly("message.in_doubt");

    deliver(w, i, statusWebhook("wamid.PROVEN", "sent", id, Instant.now()));

    Message sent = message(w, id);
    assertThat(sent.status()).isEqualTo(MessageStatus.SENT);
    assertThat(sent.providerMessageId()).isEqualTo("wamid.PROVEN");
    assertThat(sent.inDoubtSince()).isNull();
    quietFor(Duration.ofSeconds(3)); // past the window
    assertThat(meta.sends()).as("a proven send is never repeated").hasSize(1);
    assertThat(message(w, id).status()).isEqualTo(MessageStatus.SENT);
    assertThat(history(w, id)).containsExactly("queued", "sending", "in_doubt", "sent");
    assertThat(events(w, id)).containsExactly("message.in_doubt", "message.sent");
  }

  @Test
  void noAnswerAfterTheRequestWasWrittenIsInDoubtAndADeliveredCallbackSettlesIt() throws Exception {
    WhatsApp w = started(node());
    Instance i = instance(w, "2s", "resend", "1s");
    meta.onSend(Reply.hang());

    String id = send(w, text(i.id(), CHAT, "one"));

    awaitStatus(w, id, MessageStatus.IN_DOUBT, Duration.ofSeconds(10));
    assertThat(meta.sends()).singleElement().satisfies(r -> assertThat(r.opaque()).isEqualTo(id));
    assertThat(attempts(w, id)).singleElement().satisfies(a -> {
      assertThat(a.get("outcome").asText()).isEqualTo("in_doubt");
      assertThat(a.get("error").get("code").asText()).isEqualTo("timeout");
    });

    deliver(w, i, statusWebhook("wamid.LATE", "delivered", id, Instant.now()));

    Message delivered = message(w, id);
    assertThat(delivered.status()).isEqualTo(MessageStatus.DELIVERED);
    assertThat(delivered.providerMessageId()).isEqualTo("wamid.LATE");
    assertThat(delivered.sentAt()).isNotNull();
    quietFor(Duration.ofSeconds(3)); // past the window
    assertThat(meta.sends()).hasSize(1);
    assertThat(history(w, id)).containsExactly("queued", "sending", "in_doubt", "delivered");
  }

  @Test
  void withoutACallbackTheResendPolicySendsExactlyOnceMoreAfterTheWindow() throws Exception {
    WhatsApp w = started(node());
    Instance i = instance(w, "2s", "resend", null);
    meta.onSend(Reply.json(503, "<html>upstream unavailable</html>"));

    String id = send(w, text(i.id(), CHAT, "one"));

    Message sent = awaitStatus(w, id, MessageStatus.SENT, Duration.ofSeconds(15));
    List<Request> sends = meta.sends();
    assertThat(sends).hasSize(2).allSatisfy(r -> assertThat(r.opaque()).isEqualTo(id));
    assertThat(FakeCloudApi.between(sends.get(0), sends.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
    assertThat(sent.providerMessageId()).startsWith("wamid.FAKE.");
    assertThat(attemptOutcomes(w, id)).containsExactly("in_doubt", "accepted");
    assertThat(history(w, id)).containsExactly("queued", "sending", "in_doubt", "sending", "sent");
    assertThat(events(w, id)).containsExactly("message.in_doubt", "message.sent");
    await().atMost(Duration.ofSeconds(5)).until(() -> job(w, id).state() == JobState.COMPLETED);
    quietFor(Duration.ofSeconds(1));
    assertThat(meta.sends()).hasSize(2);
  }

  @Test
  void withTheFailPolicyAnUnprovenSendFailsWithoutResendingAndALateDeliveryStillCounts() throws Exception {
    WhatsApp w = started(node());
    Instance i = instance(w, "2s", "fail", null);
    meta.onSend(Reply.json(500, "{}"));

    String id = send(w, text(i.id(), CHAT, "one"));

    Message failed = awaitStatus(w, id, MessageStatus.FAILED, Duration.ofSeconds(15));
    assertThat(failed.errorCode()).isEqualTo("in_doubt");
    assertThat(failed.errorMessage()).contains("not resent");
    assertThat(Duration.between(failed.inDoubtSince(), failed.failedAt()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
    assertThat(events(w, id)).containsExactly("message.in_doubt", "message.failed");
    await().atMost(Duration.ofSeconds(5)).until(() -> job(w, id).state() == JobState.COMPLETED);
    quietFor(Duration.ofSeconds(1));
    assertThat(meta.sends()).hasSize(1);

    // The phone got it after all: delivered beats a failure Courier decided itself.
    deliver(w, i, statusWebhook("wamid.AFTER", "delivered", id, Instant.now()));
    assertThat(message(w, id).status()).isEqualTo(MessageStatus.DELIVERED);
    assertThat(meta.sends()).hasSize(1);
  }

  @Test
  void afterACallbackProvesAnInDoubtSendTheNextMessageOfTheChatGoes() throws Exception {
    WhatsApp w = started(node());
    Instance i = instance(w, "10m", "resend", null);
    meta.onSend(Reply.json(500, "{}"));
    String first = send(w, text(i.id(), CHAT, "one"));
    String second = send(w, text(i.id(), CHAT, "two"));
    awaitStatus(w, first, MessageStatus.IN_DOUBT, Duration.ofSeconds(10));
    quietFor(Duration.ofMillis(500));
    assertThat(meta.sendsOf(second)).as("the chat waits behind the message in doubt").isEmpty();

    deliver(w, i, statusWebhook("wamid.PROVEN", "sent", first, Instant.now()));

    awaitStatus(w, second, MessageStatus.SENT, Duration.ofSeconds(5));
    await().atMost(Duration.ofSeconds(5)).until(() -> job(w, first).state() == JobState.COMPLETED);
    assertThat(meta.sendsOf(first)).hasSize(1);
    JsonNode view = w.messages().view(message(w, first));
    assertThat(view.get("status").asText()).isEqualTo("sent");
  }

  /** Simulates the node dying after the provider accepted {@code wamid} and before Courier committed it. */
  private static SendHooks crashAfterAccepting(String wamid) {
    return new SendHooks() {
      @Override
      public void afterProviderAccepted(Message message, SendReceipt receipt) {
        if (wamid.equals(receipt.providerMessageId())) {
          throw new IllegalStateException("simulated crash after the provider accepted " + wamid);
        }
      }
    };
  }

  @Test
  void aCrashAfterTheProviderAcceptedLeavesTheMessageInDoubtAndACallbackSettlesItWithoutASecondSend()
      throws Exception {
    WhatsApp w = started(node().sendHooks(crashAfterAccepting("wamid.LOST")));
    Instance i = instance(w, "2s", "resend", null);
    meta.onSend(Reply.accept("wamid.LOST"));

    String id = send(w, text(i.id(), CHAT, "one"));

    Message doubt = awaitStatus(w, id, MessageStatus.IN_DOUBT, Duration.ofSeconds(10));
    assertThat(doubt.providerMessageId()).as("the answer was never recorded").isNull();
    assertThat(meta.sends()).hasSize(1);

    deliver(w, i, statusWebhook("wamid.LOST", "sent", id, Instant.now()));

    assertThat(message(w, id).status()).isEqualTo(MessageStatus.SENT);
    assertThat(message(w, id).providerMessageId()).isEqualTo("wamid.LOST");
    quietFor(Duration.ofSeconds(3)); // past the window
    assertThat(meta.sends()).as("the crash doubled nothing").hasSize(1);
    assertThat(history(w, id)).containsExactly("queued", "sending", "in_doubt", "sent");
  }

  @Test
  void aResendThatIsItselfLostWaitsAFullWindowBeforeTheNextResend() throws Exception {
    WhatsApp w = started(node().sendHooks(crashAfterAccepting("wamid.RESENT")));
    Instance i = instance(w, "3s", "resend", null);
    meta.onSend(Reply.json(500, "{}"), Reply.accept("wamid.RESENT"));

    String id = send(w, text(i.id(), CHAT, "one"));

    awaitStatus(w, id, MessageStatus.SENT, Duration.ofSeconds(20));
    List<Request> sends = meta.sendsOf(id);
    assertThat(sends).hasSize(3);
    assertThat(FakeCloudApi.between(sends.get(0), sends.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(2900));
    // The second send may have reached Meta: a callback for it gets the whole window to arrive.
    assertThat(FakeCloudApi.between(sends.get(1), sends.get(2))).isGreaterThanOrEqualTo(Duration.ofMillis(2900));
  }
}
