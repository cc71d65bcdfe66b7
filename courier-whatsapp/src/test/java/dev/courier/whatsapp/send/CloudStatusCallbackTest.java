package dev.courier.whatsapp.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.courier.queue.JobState;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.event.DomainEvent;
import dev.courier.whatsapp.inbound.StatusUpdates;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.message.MessageStatus;
import dev.courier.whatsapp.provider.SendReceipt;
import dev.courier.whatsapp.send.FakeCloudApi.Reply;
import dev.courier.whatsapp.store.Tx;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
  void earlyCallbacksForSomeSendsOfABatchReachOnlyTheirOwnMessages() throws Exception {
    // The four sends (four chats) wait for each other once the provider accepted them, so that they
    // are most likely recorded together, in a batch with and without waiting callbacks (the direct
    // test below covers that mapping without depending on timing).
    CountDownLatch accepted = new CountDownLatch(4);
    SendHooks together = new SendHooks() {
      @Override
      public void afterProviderAccepted(Message message, SendReceipt receipt) {
        accepted.countDown();
        try {
          accepted.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    WhatsApp w = built(node().sendCommitters(1).sendHooks(together)); // not started: the sends come after the callbacks
    Instance i = cloudInstance(w);
    meta.onSend(Reply.accept("wamid.B1"), Reply.accept("wamid.B2"), Reply.accept("wamid.B3"), Reply.accept("wamid.B4"));
    List<String> ids = new ArrayList<>();
    for (int n = 0; n < 4; n++) {
      ids.add(send(w, text(i.id(), "+55119999900" + (10 + n), "m" + n)));
    }
    Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    deliver(w, i, statusWebhook("wamid.B2", "delivered", null, t.plusSeconds(1)));
    deliver(w, i, statusWebhook("wamid.B4", "read", null, t.plusSeconds(2)));
    assertThat(scalar("SELECT count(*) FROM courier_pending_status")).isEqualTo(2);

    w.start();

    await().atMost(Duration.ofSeconds(10)).until(() -> {
      for (String id : ids) {
        if (!message(w, id).status().reachedProvider()) {
          return false;
        }
      }
      return true;
    });
    for (String id : ids) {
      Message m = message(w, id);
      switch (m.providerMessageId()) {
        case "wamid.B2" -> {
          assertThat(m.status()).isEqualTo(MessageStatus.DELIVERED);
          assertThat(history(w, id)).containsExactly("queued", "sending", "sent", "delivered");
          assertThat(events(w, id)).containsExactly("message.sent", "message.delivered");
        }
        case "wamid.B4" -> {
          assertThat(m.status()).isEqualTo(MessageStatus.READ);
          assertThat(history(w, id)).containsExactly("queued", "sending", "sent", "read");
          assertThat(events(w, id)).containsExactly("message.sent", "message.read");
        }
        default -> {
          assertThat(m.providerMessageId()).isIn("wamid.B1", "wamid.B3");
          assertThat(m.status()).isEqualTo(MessageStatus.SENT);
          assertThat(history(w, id)).containsExactly("queued", "sending", "sent");
          assertThat(events(w, id)).containsExactly("message.sent");
        }
      }
    }
    assertThat(scalar("SELECT count(*) FROM courier_pending_status")).as("the waiting callbacks were used").isZero();
    assertThat(meta.sends()).hasSize(4);
  }

  @Test
  void waitingCallbacksOfABatchGoToTheirOwnMessagesOnly() throws Exception {
    WhatsApp w = built(node()); // not started: nothing sends
    Instance i = cloudInstance(w);
    String a = send(w, text(i.id(), "+5511999990010", "a"));
    String b = send(w, text(i.id(), "+5511999990011", "b"));
    String c = send(w, text(i.id(), "+5511999990012", "c"));
    Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    deliver(w, i, statusWebhook("wamid.PB", "delivered", null, t));

    List<List<DomainEvent>> raised = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    List<StatusUpdates.AfterCommit> after = List.of(new StatusUpdates.AfterCommit(), new StatusUpdates.AfterCommit(),
        new StatusUpdates.AfterCommit());
    Tx.run(db, conn -> {
      w.statusUpdates().applyPendingMany(conn, List.of(new StatusUpdates.RecordedSend(i, a, "wamid.PA"),
          new StatusUpdates.RecordedSend(i, b, "wamid.PB"), new StatusUpdates.RecordedSend(i, c, "wamid.PC")), raised, after);
      return null;
    });

    assertThat(raised.get(0)).isEmpty();
    assertThat(raised.get(1)).extracting(DomainEvent::type).containsExactly("message.delivered");
    assertThat(raised.get(2)).isEmpty();
    assertThat(message(w, b).status()).isEqualTo(MessageStatus.DELIVERED);
    assertThat(message(w, a).status()).isEqualTo(MessageStatus.QUEUED);
    assertThat(message(w, c).status()).isEqualTo(MessageStatus.QUEUED);
    assertThat(scalar("SELECT count(*) FROM courier_pending_status")).isZero();
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
