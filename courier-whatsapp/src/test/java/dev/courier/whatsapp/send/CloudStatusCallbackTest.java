package dev.courier.whatsapp.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.courier.queue.JobState;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.message.MessageStatus;
import dev.courier.whatsapp.send.FakeCloudApi.Reply;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** Status webhooks for sent messages: out of order, repeated, and ahead of the send's own record. */
class CloudStatusCallbackTest extends CloudSendTestBase {

  @Test
  void shuffledAndRepeatedStatusesEndAtReadWithEachStatusRecordedOnce() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w);
    String id = send(w, text(i.id(), CHAT, "one"));
    Message sent = awaitStatus(w, id, MessageStatus.SENT, Duration.ofSeconds(10));
    String wamid = sent.providerMessageId();
    Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    deliver(w, i, statusWebhook(wamid, "delivered", id, t.plusSeconds(1)));
    deliver(w, i, statusWebhook(wamid, "sent", id, t));
    deliver(w, i, statusWebhook(wamid, "read", id, t.plusSeconds(2)));
    deliver(w, i, statusWebhook(wamid, "delivered", id, t.plusSeconds(1)));
    deliver(w, i, statusWebhook(wamid, "read", id, t.plusSeconds(2)));

    Message read = message(w, id);
    assertThat(read.status()).isEqualTo(MessageStatus.READ);
    assertThat(read.deliveredAt()).isEqualTo(t.plusSeconds(1));
    assertThat(read.readAt()).isEqualTo(t.plusSeconds(2));
    assertThat(read.providerMessageId()).isEqualTo(wamid);
    assertThat(history(w, id)).containsExactly("queued", "sending", "sent", "delivered", "read");
    assertThat(events(w, id)).containsExactly("message.sent", "message.delivered", "message.read");
    assertThat(meta.sends()).hasSize(1);
  }

  @Test
  void aCallbackThatArrivesBeforeTheSendRecordedTheWamidIsAppliedWhenItIs() throws Exception {
    WhatsApp w = built(node()); // not started: the send happens after the callback
    Instance i = cloudInstance(w);
    meta.onSend(Reply.accept("wamid.EARLY"));
    String id = send(w, text(i.id(), CHAT, "one"));
    Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    // Without the echoed message id only the wamid names the message, and no message has it yet.
    deliver(w, i, statusWebhook("wamid.EARLY", "delivered", null, t.plusSeconds(1)));
    deliver(w, i, statusWebhook("wamid.EARLY", "sent", null, t));
    assertThat(message(w, id).status()).isEqualTo(MessageStatus.QUEUED);
    assertThat(message(w, id).providerMessageId()).isNull();

    w.start();

    Message delivered = awaitStatus(w, id, MessageStatus.DELIVERED, Duration.ofSeconds(10));
    assertThat(delivered.providerMessageId()).isEqualTo("wamid.EARLY");
    assertThat(delivered.deliveredAt()).isEqualTo(t.plusSeconds(1));
    assertThat(history(w, id)).containsExactly("queued", "sending", "sent", "delivered");
    assertThat(events(w, id)).containsExactly("message.sent", "message.delivered");
    assertThat(meta.sends()).hasSize(1);
    assertThat(scalar("SELECT count(*) FROM courier_pending_status")).as("the waiting callbacks were used").isZero();

    // Applying it again changes nothing.
    deliver(w, i, statusWebhook("wamid.EARLY", "delivered", null, t.plusSeconds(1)));
    assertThat(history(w, id)).containsExactly("queued", "sending", "sent", "delivered");
    assertThat(events(w, id)).containsExactly("message.sent", "message.delivered");
  }

  @Test
  void aSentCallbackRacingTheProvidersAnswerIsRecordedOnce() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w);
    // Meta's webhook overtakes its own HTTP answer: it is delivered while the send waits for it.
    meta.onSend(Reply.accept("wamid.RACE").onArrival(r -> {
      try {
        deliver(w, i, statusWebhook("wamid.RACE", "sent", r.opaque(), Instant.now()));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }));

    String id = send(w, text(i.id(), CHAT, "one"));

    await().atMost(Duration.ofSeconds(10)).until(() -> job(w, id).state() == JobState.COMPLETED);
    assertThat(meta.arrivalFailures()).isEmpty();
    Message sent = message(w, id);
    assertThat(sent.status()).isEqualTo(MessageStatus.SENT);
    assertThat(sent.providerMessageId()).isEqualTo("wamid.RACE");
    assertThat(history(w, id)).containsExactly("queued", "sending", "sent");
    assertThat(events(w, id)).containsExactly("message.sent");
    assertThat(attemptOutcomes(w, id)).containsExactly("accepted");
    assertThat(meta.sends()).hasSize(1);
  }
}
