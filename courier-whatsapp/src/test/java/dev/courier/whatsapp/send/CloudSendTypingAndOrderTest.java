package dev.courier.whatsapp.send;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.message.MessageStatus;
import dev.courier.whatsapp.send.FakeCloudApi.Request;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The typing indicator before a send, and when the next message of a chat may go. */
class CloudSendTypingAndOrderTest extends CloudSendTestBase {

  @Test
  void typingIsShownOnTheUsersLatestMessageThenTheMessageGoesAfterTheTypingTime() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w);
    deliver(w, i, inboundWebhook(CHAT, "wamid.IN.older", Instant.now().minusSeconds(30)));
    deliver(w, i, inboundWebhook(CHAT, "wamid.IN.latest", Instant.now()));

    String id = send(w, text(i.id(), CHAT, "one", o -> o.put("typing", "1500ms")));

    awaitStatus(w, id, MessageStatus.SENT, Duration.ofSeconds(10));
    List<Request> requests = meta.requests();
    assertThat(requests).hasSize(2);
    JsonNode typing = requests.get(0).json();
    assertThat(typing.path("messaging_product").asText()).isEqualTo("whatsapp");
    assertThat(typing.path("status").asText()).isEqualTo("read");
    assertThat(typing.path("message_id").asText()).isEqualTo("wamid.IN.latest");
    assertThat(typing.path("typing_indicator").path("type").asText()).isEqualTo("text");
    assertThat(requests.get(1).isSend()).isTrue();
    assertThat(requests.get(1).opaque()).isEqualTo(id);
    assertThat(FakeCloudApi.between(requests.get(0), requests.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(1450));
    assertThat(attemptOutcomes(w, id)).containsExactly("accepted");
  }

  @Test
  void withoutAnInboundMessageFromTheUserNoTypingIndicatorIsSentAndNothingWaits() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w);
    // Someone else wrote to the number: that message is no context for this chat.
    deliver(w, i, inboundWebhook(OTHER_CHAT, "wamid.IN.other", Instant.now()));
    Instant accepted = Instant.now();

    String id = send(w, text(i.id(), CHAT, "one", o -> o.put("typing", "1500ms")));

    awaitStatus(w, id, MessageStatus.SENT, Duration.ofSeconds(10));
    assertThat(meta.typingCalls()).isEmpty();
    Request only = meta.requests().getFirst();
    assertThat(meta.requests()).hasSize(1);
    assertThat(only.opaque()).isEqualTo(id);
    assertThat(Duration.between(accepted, only.at())).as("no typing wait").isLessThan(Duration.ofMillis(1450));
  }

  @Test
  void withOrderReleaseSentTheNextMessageOfAChatWaitsForTheSentCallback() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w, b -> b.put("orderRelease", "sent").put("orderReleaseTimeout", "30s"));

    String first = send(w, text(i.id(), CHAT, "one"));
    String second = send(w, text(i.id(), CHAT, "two"));
    String otherChat = send(w, text(i.id(), OTHER_CHAT, "elsewhere"));

    Message accepted = awaitStatus(w, first, MessageStatus.SENT, Duration.ofSeconds(10));
    awaitStatus(w, otherChat, MessageStatus.SENT, Duration.ofSeconds(10));
    quietFor(Duration.ofSeconds(2));
    assertThat(meta.sendsOf(second)).as("held until the provider reports the first sent").isEmpty();
    assertThat(message(w, second).status()).isEqualTo(MessageStatus.QUEUED);

    Instant released = Instant.now();
    deliver(w, i, statusWebhook(accepted.providerMessageId(), "sent", first, Instant.now()));

    awaitStatus(w, second, MessageStatus.SENT, Duration.ofSeconds(5));
    assertThat(meta.sendsOf(second)).singleElement()
        .satisfies(r -> assertThat(r.at()).isAfterOrEqualTo(released));
    assertThat(meta.sendsOf(first)).hasSize(1);
  }

  @Test
  void withOrderReleaseSentAChatIsReleasedAfterTheTimeoutWhenNoCallbackComes() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w, b -> b.put("orderRelease", "sent").put("orderReleaseTimeout", "2s"));

    String first = send(w, text(i.id(), CHAT, "one"));
    String second = send(w, text(i.id(), CHAT, "two"));

    awaitStatus(w, second, MessageStatus.SENT, Duration.ofSeconds(10));
    Duration gap = FakeCloudApi.between(meta.sendsOf(first).getFirst(), meta.sendsOf(second).getFirst());
    assertThat(gap).isBetween(Duration.ofMillis(1900), Duration.ofSeconds(5));
  }

  @Test
  void withOrderReleaseAcceptedTheNextMessageGoesAsSoonAsTheFirstIsAccepted() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w);

    String first = send(w, text(i.id(), CHAT, "one"));
    String second = send(w, text(i.id(), CHAT, "two"));

    awaitStatus(w, second, MessageStatus.SENT, Duration.ofSeconds(10));
    assertThat(meta.sends()).extracting(Request::opaque).containsExactly(first, second);
    assertThat(FakeCloudApi.between(meta.sends().get(0), meta.sends().get(1))).isLessThan(Duration.ofMillis(1500));
  }

  @Test
  void aPairRateLimitSpacesMessagesToOneRecipientButNotToOthers() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w, b ->
        b.with("limits").putObject("pair").put("count", 1).put("per", "1s").put("burst", 1));

    List<String> toChat = List.of(
        send(w, text(i.id(), CHAT, "one")), send(w, text(i.id(), CHAT, "two")), send(w, text(i.id(), CHAT, "three")));
    String toOther = send(w, text(i.id(), OTHER_CHAT, "elsewhere"));

    for (String id : toChat) {
      awaitStatus(w, id, MessageStatus.SENT, Duration.ofSeconds(10));
    }
    awaitStatus(w, toOther, MessageStatus.SENT, Duration.ofSeconds(10));
    List<Request> chat = meta.sends().stream().filter(r -> r.json().path("to").asText().equals(CHAT)).toList();
    assertThat(chat).extracting(Request::opaque).containsExactlyElementsOf(toChat);
    // The limiter paces job starts; the HTTP arrivals also carry the first connection's set-up time.
    List<Instant> starts = new java.util.ArrayList<>();
    for (String id : toChat) {
      starts.add(job(w, id).attemptedAt());
    }
    assertThat(Duration.between(starts.get(0), starts.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    assertThat(Duration.between(starts.get(1), starts.get(2))).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    assertThat(FakeCloudApi.between(chat.get(0), chat.get(2))).isGreaterThanOrEqualTo(Duration.ofMillis(1800));
    assertThat(meta.sendsOf(toOther).getFirst().at()).as("another recipient is not held").isBefore(chat.get(1).at());
    assertThat(attemptOutcomes(w, toChat.get(2))).as("held back, not refused").containsExactly("accepted");
  }

  @Test
  void withTheProvidersDefaultLimitsAFewMessagesGoAtOnce() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w, b -> b.putObject("limits"));
    assertThat(i.limits().pair()).isNotNull();
    assertThat(i.limits().messagingLimit()).isEqualTo(250);

    String a = send(w, text(i.id(), CHAT, "one"));
    String b = send(w, template(i.id(), CHAT, "order_update"));
    String c = send(w, text(i.id(), CHAT, "three"));

    awaitStatus(w, c, MessageStatus.SENT, Duration.ofSeconds(10));
    assertThat(meta.sends()).extracting(Request::opaque).containsExactly(a, b, c);
    assertThat(FakeCloudApi.between(meta.sends().get(0), meta.sends().get(2))).as("within the pair burst")
        .isLessThan(Duration.ofSeconds(3));
  }
}
