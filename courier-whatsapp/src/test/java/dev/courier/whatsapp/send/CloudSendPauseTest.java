package dev.courier.whatsapp.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.instance.InstanceState;
import dev.courier.whatsapp.message.MessageStatus;
import dev.courier.whatsapp.send.FakeCloudApi.Reply;
import dev.courier.whatsapp.send.FakeCloudApi.Request;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Errors that stop a whole number, or one template, until an operator lifts the pause.
 *
 * <p>The message whose send hit the pause is snoozed for {@code SendWorker.PAUSED_RECHECK} (one
 * minute), and a paused secondary (template) limiter reschedules the jobs it holds a minute ahead;
 * nothing wakes them when the pause is lifted, and waking them with {@code engine().retry(jobId)}
 * wedges their order key (the retried job is its key's active job and stays gated). So the passing
 * tests shift the node's clock past that minute after resuming, and the disabled ones state what
 * should happen without it.
 */
class CloudSendPauseTest extends CloudSendTestBase {

  @ParameterizedTest(name = "{0} (HTTP {1})")
  @CsvSource(delimiter = '|', value = {
      "131048 | 400 | Spam rate limit hit",
      "368    | 403 | Temporarily blocked for policies violations",
      "190    | 401 | Error validating access token: Session has expired",
  })
  void anAccountLevelErrorPausesTheInstanceAndNothingIsSentUntilItIsResumed(int code, int http, String text)
      throws Exception {
    ShiftableClock clock = new ShiftableClock();
    WhatsApp w = started(node().clock(clock));
    Instance i = cloudInstance(w);
    meta.onSend(Reply.error(http, code, text));

    String id = send(w, text(i.id(), CHAT, "one"));

    await().atMost(Duration.ofSeconds(10)).until(() -> w.instances().get(ORG, i.id()).state() == InstanceState.PAUSED);
    Instance paused = w.instances().get(ORG, i.id());
    assertThat(paused.stateReason()).contains(String.valueOf(code)).contains(text);
    assertThat(events(w, i.id())).containsExactly("instance.paused");
    await().atMost(Duration.ofSeconds(5)).until(() -> attemptOutcomes(w, id).contains("pause_instance"));
    assertThat(message(w, id).status()).isEqualTo(MessageStatus.QUEUED);
    assertThat(history(w, id)).containsExactly("queued", "sending", "queued");
    assertThat(attempts(w, id).get(0).get("error").get("code").asText()).isEqualTo(String.valueOf(code));
    // A message accepted while the number is paused waits as well.
    String later = send(w, text(i.id(), OTHER_CHAT, "two"));

    quietFor(Duration.ofSeconds(2));
    assertThat(meta.requests()).as("no provider call while paused").hasSize(1);
    assertThat(message(w, id).status()).isEqualTo(MessageStatus.QUEUED);
    assertThat(message(w, later).status()).isEqualTo(MessageStatus.QUEUED);
    assertThat(job(w, id).attempt()).as("a pause spends no attempt").isZero();

    assertThat(w.instances().resume(ORG, i.id()).state()).isEqualTo(InstanceState.CONNECTED);

    awaitStatus(w, later, MessageStatus.SENT, Duration.ofSeconds(5));
    // The message that hit the pause goes at its re-check, a minute on (see the class comment).
    clock.shift(Duration.ofSeconds(61));
    awaitStatus(w, id, MessageStatus.SENT, Duration.ofSeconds(5));
    assertThat(meta.sendsOf(id)).hasSize(2);
    assertThat(meta.sendsOf(later)).hasSize(1);
    assertThat(events(w, i.id())).containsExactly("instance.paused", "instance.resumed");
    assertThat(w.instances().get(ORG, i.id()).stateReason()).isNull();
  }

  @Test
  void theMessageThatHitThePauseIsSentPromptlyAfterResume() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w);
    meta.onSend(Reply.error(400, 131048, "Spam rate limit hit"));
    String id = send(w, text(i.id(), CHAT, "one"));
    String next = send(w, text(i.id(), CHAT, "two"));
    await().atMost(Duration.ofSeconds(10)).until(() -> w.instances().get(ORG, i.id()).state() == InstanceState.PAUSED);
    await().atMost(Duration.ofSeconds(5)).until(() -> attemptOutcomes(w, id).contains("pause_instance"));

    w.instances().resume(ORG, i.id());

    // Promptly: well within the minute the message now waits.
    awaitStatus(w, id, MessageStatus.SENT, Duration.ofSeconds(10));
    awaitStatus(w, next, MessageStatus.SENT, Duration.ofSeconds(5));
    assertThat(meta.sendsOf(id)).hasSize(2);
  }

  @Test
  void aPausedTemplateHoldsOnlyItsOwnMessagesUntilItIsResumed() throws Exception {
    ShiftableClock clock = new ShiftableClock();
    WhatsApp w = started(node().clock(clock));
    Instance i = cloudInstance(w);
    meta.onSend(Reply.error(400, 132015, "Template is paused due to low quality"));

    String promo = send(w, template(i.id(), CHAT, "weekly_promo"));
    await().atMost(Duration.ofSeconds(10)).until(() -> attemptOutcomes(w, promo).contains("pause_template"));
    assertThat(message(w, promo).status()).isEqualTo(MessageStatus.QUEUED);
    assertThat(attempts(w, promo).get(0).get("error").get("code").asText()).isEqualTo("132015");

    // Other messages of the number go; another message with the paused template waits. (One at a
    // time: a message committed while a claim runs can be stranded, see CloudSendClaimRaceTest.)
    String textToOther = send(w, text(i.id(), OTHER_CHAT, "still going"));
    awaitStatus(w, textToOther, MessageStatus.SENT, Duration.ofSeconds(10));
    String otherTemplate = send(w, template(i.id(), OTHER_CHAT, "order_update"));
    awaitStatus(w, otherTemplate, MessageStatus.SENT, Duration.ofSeconds(10));
    String promoToOther = send(w, template(i.id(), THIRD_CHAT, "weekly_promo"));
    quietFor(Duration.ofSeconds(2));
    assertThat(meta.sendsOf(promo)).hasSize(1);
    assertThat(meta.sendsOf(promoToOther)).isEmpty();
    assertThat(message(w, promoToOther).status()).isEqualTo(MessageStatus.QUEUED);
    assertThat(w.instances().get(ORG, i.id()).state()).isEqualTo(InstanceState.CONNECTED);
    assertThat(job(w, promo).attempt()).as("a paused template spends no attempt").isZero();

    // A minute passes: both template jobs are re-checked and held again, the template is still paused.
    clock.shift(Duration.ofSeconds(61));
    quietFor(Duration.ofMillis(1500));
    assertThat(meta.sendsOf(promo)).as("still paused at the re-check").hasSize(1);
    assertThat(meta.sendsOf(promoToOther)).as("still paused at the re-check").isEmpty();

    w.instances().resumeTemplate(i, "weekly_promo");
    // At the next re-check they go (see the class comment).
    clock.shift(Duration.ofSeconds(61));

    awaitStatus(w, promo, MessageStatus.SENT, Duration.ofSeconds(5));
    awaitStatus(w, promoToOther, MessageStatus.SENT, Duration.ofSeconds(5));
    assertThat(meta.sendsOf(promo)).hasSize(2);
    assertThat(meta.sendsOf(promoToOther)).hasSize(1);
    assertThat(meta.sends()).extracting(Request::opaque)
        .containsExactlyInAnyOrder(promo, textToOther, otherTemplate, promo, promoToOther);
  }

  @Test
  void templateMessagesGoPromptlyAfterTheTemplateIsResumed() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w);
    meta.onSend(Reply.error(400, 132015, "Template is paused due to low quality"));
    String promo = send(w, template(i.id(), CHAT, "weekly_promo"));
    await().atMost(Duration.ofSeconds(10)).until(() -> attemptOutcomes(w, promo).contains("pause_template"));
    String promoToOther = send(w, template(i.id(), THIRD_CHAT, "weekly_promo"));
    quietFor(Duration.ofSeconds(1));

    w.instances().resumeTemplate(i, "weekly_promo");

    // Promptly: well within the minute they now wait.
    awaitStatus(w, promo, MessageStatus.SENT, Duration.ofSeconds(10));
    awaitStatus(w, promoToOther, MessageStatus.SENT, Duration.ofSeconds(10));
  }
}
