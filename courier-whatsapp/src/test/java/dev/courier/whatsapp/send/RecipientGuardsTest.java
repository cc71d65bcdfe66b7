package dev.courier.whatsapp.send;

import static org.assertj.core.api.Assertions.assertThat;

import dev.courier.queue.testing.DatabaseTest;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.message.MessageStatus;
import dev.courier.whatsapp.send.FakeCloudApi.Reply;
import dev.courier.whatsapp.store.Tx;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The two checks the send worker makes about recipients across numbers: Meta's per-user marketing
 * limit (131049 holds the recipient's template messages for 24 h) and a portfolio's messaging
 * limit (unique template recipients per rolling 24 h, shared by its numbers).
 */
@DatabaseTest
class RecipientGuardsTest extends CloudSendTestBase {
  @Test
  void a131049FailsTheMessageAndHoldsFurtherTemplatesToThatRecipientButNotText() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w);
    meta.onSend(Reply.error(400, 131049, "This message was not delivered to maintain healthy ecosystem engagement."));
    String refused = send(w, template(i.id(), CHAT, "weekly_promo"));
    Message failed = awaitStatus(w, refused, MessageStatus.FAILED, Duration.ofSeconds(10));
    assertThat(failed.errorCode()).isEqualTo("131049");

    String held = send(w, template(i.id(), CHAT, "weekly_promo"));
    String reply = send(w, text(i.id(), OTHER_CHAT, "a service reply to someone else"));
    awaitStatus(w, reply, MessageStatus.SENT, Duration.ofSeconds(10));
    quietFor(Duration.ofSeconds(1));
    assertThat(w.messages().get(ORG, held).status()).isEqualTo(MessageStatus.QUEUED);
    assertThat(meta.sendsOf(held)).isEmpty();
    // Held until a day after the refusal, without spending an attempt.
    assertThat(job(w, held).scheduledAt()).isAfter(Instant.now().plus(Duration.ofHours(23)));
    assertThat(job(w, held).attempt()).isZero();
  }

  @Test
  void aPortfolioAdmitsOnlyItsLimitOfUniqueRecipientsPerRollingDay() throws Exception {
    SendGuardStore guards = new SendGuardStore();
    Instant t0 = Instant.parse("2026-11-23T12:00:00Z");
    assertThat(admit(guards, "+5511900000001", t0)).isEmpty();
    assertThat(admit(guards, "+5511900000002", t0.plusSeconds(60))).isEmpty();
    // Someone already counted may get more messages.
    assertThat(admit(guards, "+5511900000001", t0.plusSeconds(120))).isEmpty();
    // A third person waits until the first slot frees, 24 h after it was taken.
    assertThat(admit(guards, "+5511900000003", t0.plusSeconds(180))).contains(t0.plus(Duration.ofHours(24)));
    assertThat(admit(guards, "+5511900000003", t0.plus(Duration.ofHours(24)).plusSeconds(1))).isEmpty();
  }

  private Optional<Instant> admit(SendGuardStore guards, String recipient, Instant now) throws Exception {
    return Tx.run(db, c -> guards.portfolioAdmit(c, "portfolio-1", recipient, 2, now));
  }
}
