package dev.courier.whatsapp.inbound;

import static dev.courier.whatsapp.inbound.StatusRank.advances;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StatusRankTest {
  private static final List<String> REPORTED =
      List.of("sent", "delivered", "read", "played", "failed");

  @ParameterizedTest(name = "{0} -> {1}: {2}")
  @CsvSource({
    "queued,    sending,   true",
    "queued,    sent,      true",
    "sending,   sent,      true",
    "in_doubt,  sent,      true",
    "sending,   in_doubt,  true",
    "sent,      delivered, true",
    "delivered, read,      true",
    "sent,      read,      true",
    "queued,    read,      true",
    "delivered, sent,      false",
    "read,      delivered, false",
    "read,      sent,      false",
    "sent,      sending,   false",
    "sent,      in_doubt,  false",
    "in_doubt,  sending,   false",
  })
  void movesOnlyForwardAlongTheDeliveryChain(String current, String incoming, boolean moves) {
    assertThat(advances(current, incoming)).isEqualTo(moves);
  }

  @ParameterizedTest(name = "failed over {0}: {1}")
  @CsvSource({
    "queued,    true",
    "sending,   true",
    "in_doubt,  true",
    "sent,      true",
    "delivered, false",
    "read,      false",
    "cancelled, false",
  })
  void failsOnlyAMessageNotYetDelivered(String current, boolean moves) {
    assertThat(advances(current, "failed")).isEqualTo(moves);
  }

  @Test
  void deliveryOrReadProvesAFailedMessageArrived() {
    assertThat(advances("failed", "delivered")).isTrue();
    assertThat(advances("failed", "read")).isTrue();
    assertThat(advances("failed", "played")).isTrue();
  }

  @Test
  void aLateSentDoesNotUndoAFailure() {
    assertThat(advances("failed", "sent")).isFalse();
  }

  @Test
  void playedCountsAsRead() {
    assertThat(StatusRank.messageStatus("played")).isEqualTo("read");
    assertThat(advances("delivered", "played")).isTrue();
    assertThat(advances("read", "played")).isFalse();
    assertThat(advances("played", "read")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sending", "in_doubt", "sent", "delivered", "read", "played", "failed"})
  void nothingMovesACancelledMessage(String incoming) {
    assertThat(advances("cancelled", incoming)).isFalse();
  }

  @Test
  void onlyAQueuedMessageCanBeCancelled() {
    assertThat(advances("queued", "cancelled")).isTrue();
    for (String current : List.of("sending", "in_doubt", "sent", "delivered", "read", "failed")) {
      assertThat(advances(current, "cancelled")).as(current).isFalse();
    }
  }

  @Test
  void aRepeatedStatusIsNoMove() {
    for (String status : StatusRank.STATUSES) {
      assertThat(advances(status, status)).as(status).isFalse();
    }
    assertThat(advances("played", "played")).isFalse();
  }

  @Test
  void neverMovesBothWaysBetweenTwoStatuses() {
    for (String a : StatusRank.STATUSES) {
      for (String b : StatusRank.STATUSES) {
        assertThat(advances(a, b) && advances(b, a)).as(a + " <-> " + b).isFalse();
      }
    }
  }

  @Test
  void everyReportedStatusIsAMessageStatus() {
    for (String reported : REPORTED) {
      assertThat(StatusRank.STATUSES).contains(StatusRank.messageStatus(reported));
    }
  }

  @Test
  void rejectsNamesThatAreNotStatuses() {
    assertThatThrownBy(() -> advances("sent", "deleted"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deleted");
    assertThatThrownBy(() -> advances(null, "sent")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> advances("SENT", "read")).isInstanceOf(IllegalArgumentException.class);
  }
}
