package dev.courier.whatsapp.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.courier.queue.testing.DatabaseTest;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.testing.DomainTestBase;
import dev.courier.whatsapp.validation.InvalidRequestException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sends are validated against an instance this node read recently; the commit checks that the
 * stored instance is still that version. Node A validates, node B changes the instance's default
 * region in between: what A stores must follow the new region, never the one it had read.
 */
@DatabaseTest
class InstanceChangedElsewhereTest extends DomainTestBase {

  @ParameterizedTest(name = "group commit {0}")
  @ValueSource(booleans = {true, false})
  void aSendValidatedAgainstAnInstanceChangedOnAnotherNodeIsValidatedAgain(boolean groupCommit) throws Exception {
    WhatsApp a = built(node().groupCommit(new Messages.GroupCommit(groupCommit, 256, 1)));
    WhatsApp b = built(node());
    Instance i = a.instances().create(ORG, json("{\"name\": \"sim\", \"provider\": \"simulator\", \"defaultRegion\": \"BR\"}"));

    // A reads the instance (Brazil) while accepting a national number.
    assertThat(a.messages().send(ORG, text(i.id(), "(11) 99999-0001", "one"), null).message().recipient())
        .isEqualTo("+5511999990001");

    // B moves the instance to the United States. A's recent read still says Brazil: a Brazilian
    // national number must now be refused, and nothing stored.
    b.instances().update(ORG, i.id(), json("{\"defaultRegion\": \"US\"}"));
    assertThatThrownBy(() -> a.messages().send(ORG, text(i.id(), "(11) 99999-0002", "two"), null))
        .isInstanceOfSatisfying(InvalidRequestException.class,
            e -> assertThat(e.errors()).anySatisfy(f -> assertThat(f.field()).isEqualTo("to")));
    assertThat(scalar("SELECT count(*) FROM courier_message WHERE instance_id = ?", i.id())).isEqualTo(1);
    assertThat(a.messages().send(ORG, text(i.id(), "(201) 555-0123", "three"), null).message().recipient())
        .isEqualTo("+12015550123");

    // And back to Brazil on B: A's read (United States) would refuse this number; the stored
    // instance accepts it.
    b.instances().update(ORG, i.id(), json("{\"defaultRegion\": \"BR\"}"));
    assertThat(a.messages().send(ORG, text(i.id(), "(11) 99999-0004", "four"), null).message().recipient())
        .isEqualTo("+5511999990004");

    // B changes the ordering: A's next message must take the new order key (per instance).
    b.instances().update(ORG, i.id(), json("{\"ordering\": \"instance\"}"));
    Messages.Accepted fifth = a.messages().send(ORG, text(i.id(), "(11) 99999-0005", "five"), null);
    Instance now = b.instances().get(ORG, i.id());
    assertThat(fifth.message().orderKey()).isEqualTo(now.orderKey("+5511999990005"));
    assertThat(fifth.message().orderKey()).isNotEqualTo(i.orderKey("+5511999990005"));
    assertThat(scalar("SELECT count(*) FROM courier_message WHERE instance_id = ?", i.id())).isEqualTo(4);
  }
}
