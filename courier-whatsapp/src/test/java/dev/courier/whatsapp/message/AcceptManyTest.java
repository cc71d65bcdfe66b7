package dev.courier.whatsapp.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.courier.queue.JobState;
import dev.courier.queue.testing.DatabaseTest;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.testing.DomainTestBase;
import dev.courier.whatsapp.validation.FieldError;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.util.List;
import org.junit.jupiter.api.Test;

@DatabaseTest
class AcceptManyTest extends DomainTestBase {
  @Test
  void manyDraftsAreStoredInOrderWithTheirJobsAndQueuePositions() throws Exception {
    WhatsApp w = built(node());
    Instance i = w.instances().create(ORG, json("{\"name\": \"sim\", \"provider\": \"simulator\"}"));
    List<Messages.Draft> drafts = List.of(
        w.messages().draft(ORG, text(i.id(), "+5511999990001", "a"), false),
        w.messages().draft(ORG, text(i.id(), "+5511999990002", "b"), false),
        w.messages().draft(ORG, text(i.id(), "+5511999990001", "c", o -> o.put("priority", "urgent")), false),
        w.messages().draft(ORG, text(i.id(), "+5511999990001", "d"), false));

    List<Messages.Accepted> accepted = w.messages().acceptMany(ORG, drafts);

    assertThat(accepted).hasSize(4);
    assertThat(accepted).extracting(a -> a.message().status()).containsOnly(MessageStatus.QUEUED);
    // Chat ...0001 holds a, c (urgent: ahead of a) and d; chat ...0002 holds b alone.
    assertThat(accepted).extracting(Messages.Accepted::queuePosition).containsExactly(2, 1, 1, 3);
    for (Messages.Accepted a : accepted) {
      Message stored = w.messages().get(ORG, a.message().id());
      assertThat(stored.seq()).isEqualTo(a.message().seq());
      assertThat(stored.jobId()).isEqualTo(a.message().jobId());
      assertThat(w.engine().job(stored.jobId()).orElseThrow().state()).isEqualTo(JobState.AVAILABLE);
      assertThat(w.messages().view(stored).get("queuePosition").asInt()).isEqualTo(a.queuePosition());
    }
    assertThat(accepted.get(0).message().seq()).isLessThan(accepted.get(1).message().seq());
    assertThat(accepted.get(0).message().jobId()).isLessThan(accepted.get(1).message().jobId());
    assertThat(scalar("SELECT count(*) FROM courier_message_status WHERE status = 'queued'")).isEqualTo(4);
  }

  @Test
  void draftsOfAnInstanceDeletedMeanwhileAreRefusedWholeAndNothingIsStored() throws Exception {
    WhatsApp w = built(node());
    Instance i = w.instances().create(ORG, json("{\"name\": \"sim\", \"provider\": \"simulator\"}"));
    Instance j = w.instances().create(ORG, json("{\"name\": \"sim2\", \"provider\": \"simulator\"}"));
    List<Messages.Draft> drafts = List.of(
        w.messages().draft(ORG, text(j.id(), "+5511999990001", "a"), false),
        w.messages().draft(ORG, text(i.id(), "+5511999990002", "b"), false));
    w.instances().delete(ORG, i.id(), false);

    assertThatThrownBy(() -> w.messages().acceptMany(ORG, drafts))
        .isInstanceOf(InvalidRequestException.class)
        .extracting(e -> ((InvalidRequestException) e).errors())
        .isEqualTo(List.of(new FieldError("[1].instanceId", "no instance " + i.id() + " in this organization")));
    assertThat(scalar("SELECT count(*) FROM courier_message")).isZero();
    assertThat(scalar("SELECT count(*) FROM courier_job")).isZero();
  }
}
