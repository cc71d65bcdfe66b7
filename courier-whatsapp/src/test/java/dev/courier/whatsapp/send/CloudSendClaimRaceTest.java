package dev.courier.whatsapp.send;

import static org.assertj.core.api.Assertions.assertThat;

import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.MessageStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Messages accepted in quick succession while the engine is claiming: every one must be sent. The
 * race this looks for is rare (about one stranded message in a few hundred), so the test repeats
 * a burst many times; it can pass by luck while the bug is there, but never fails without it.
 */
class CloudSendClaimRaceTest extends CloudSendTestBase {

  @Test
  void everyMessageOfABurstIsSentEvenWhenItCommitsDuringAClaim() throws Exception {
    WhatsApp w = started(node());
    Instance i = cloudInstance(w);
    List<String> stranded = new ArrayList<>();
    for (int round = 0; round < 100; round++) {
      List<String> burst = new ArrayList<>();
      for (int k = 0; k < 3; k++) {
        burst.add(send(w, text(i.id(), String.format("+551199999%02d%02d", round, k), "m")));
      }
      for (String id : burst) {
        try {
          awaitStatus(w, id, MessageStatus.SENT, Duration.ofSeconds(3));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          stranded.add(id + " (round " + round + ", job " + job(w, id).state() + ")");
        }
      }
    }
    assertThat(stranded).isEmpty();
  }
}
