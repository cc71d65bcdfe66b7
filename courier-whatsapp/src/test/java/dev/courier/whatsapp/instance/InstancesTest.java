package dev.courier.whatsapp.instance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.LimiterConfig;
import dev.courier.queue.testing.DatabaseTest;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.testing.DomainTestBase;
import dev.courier.whatsapp.validation.FieldError;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

@DatabaseTest
class InstancesTest extends DomainTestBase {
  @Test
  void aGatewayInstanceGetsTheHumanLikeProfileAsEngineLimiters() throws Exception {
    WhatsApp w = built(node());
    Instance i = w.instances().create(ORG, json(
        "{\"name\": \"zap\", \"provider\": \"gateway\", \"timeZone\": \"America/Sao_Paulo\","
            + " \"settings\": {\"flavor\": \"evolution\", \"baseUrl\": \"http://127.0.0.1:1\", \"apiKey\": \"k\", \"session\": \"s\"},"
            + " \"limits\": {\"daily\": {\"count\": 300, \"timeZone\": \"America/Sao_Paulo\"}}}"));
    LimiterConfig number = w.engine().limiters().get(i.limiterKey());
    assertThat(number.gap()).isEqualTo(new LimiterConfig.Gap(Duration.ofSeconds(3), Duration.ofSeconds(8)));
    assertThat(number.rest()).isEqualTo(new LimiterConfig.Rest(50, Duration.ofMinutes(2), Duration.ofMinutes(5)));
    assertThat(number.daily().count()).as("the user's daily count overrides the profile's 1000").isEqualTo(300);
    assertThat(number.window()).isEqualTo(new LimiterConfig.Window(LocalTime.of(8, 0), LocalTime.of(21, 0), ZoneId.of("America/Sao_Paulo")));
    assertThat(number.paused()).isFalse();
    assertThat(i.typing()).isEqualTo(Duration.ofSeconds(2));
    ObjectNode shown = Instances.toJson(i);
    assertThat(shown.get("settings").has("apiKey")).isFalse();
    assertThat(shown.get("limits").get("daily").get("count").asInt()).isEqualTo(300);
  }

  @Test
  void aCloudApiInstanceGetsRateAndPairLimitsAndANullMemberTurnsADefaultOff() throws Exception {
    WhatsApp w = built(node());
    Instance i = w.instances().create(ORG, json(
        "{\"name\": \"meta\", \"provider\": \"cloud_api\", \"settings\": {\"phoneNumberId\": \"111\", \"accessToken\": \"t\"},"
            + " \"limits\": {\"pair\": null, \"messagingLimit\": 10000}}"));
    assertThat(w.engine().limiters().get(i.limiterKey()).rate()).isEqualTo(new LimiterConfig.Rate(80, Duration.ofSeconds(1), 80));
    assertThat(w.engine().limiters()).doesNotContainKey(i.pairLimiterPattern());
    assertThat(i.limits().messagingLimit()).isEqualTo(10000);
    Instance j = w.instances().create(ORG, json(
        "{\"name\": \"meta2\", \"provider\": \"cloud_api\", \"settings\": {\"phoneNumberId\": \"222\", \"accessToken\": \"t\"}}"));
    assertThat(w.engine().limiters().get(j.pairLimiterPattern()).rate()).isEqualTo(new LimiterConfig.Rate(10, Duration.ofSeconds(60), 45));
  }

  @Test
  void aSimulatorThatSetsAPhoneNumberIdIsFoundByItLikeACloudApiNumber() throws Exception {
    WhatsApp w = built(node());
    Instance sim = w.instances().create(ORG, json(
        "{\"name\": \"sim-meta\", \"provider\": \"simulator\", \"settings\": {\"phoneNumberId\": \"106540352242922\"}}"));
    Instance cloud = w.instances().create(ORG, json(
        "{\"name\": \"meta\", \"provider\": \"cloud_api\", \"settings\": {\"phoneNumberId\": \"333\", \"accessToken\": \"t\"}}"));
    assertThat(w.instances().byPhoneNumberId(ORG, "106540352242922")).map(Instance::id).contains(sim.id());
    assertThat(w.instances().byPhoneNumberId(ORG, "333")).map(Instance::id).contains(cloud.id());
    assertThat(w.instances().byPhoneNumberId("org_other", "106540352242922")).isEmpty();
    assertThatThrownBy(() -> w.instances().create(ORG, json(
        "{\"name\": \"sim-2\", \"provider\": \"simulator\", \"settings\": {\"phoneNumberId\": \"333\"}}")))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.errors()).extracting(FieldError::field)
            .containsExactly("settings.phoneNumberId"));
    assertThatThrownBy(() -> w.instances().create(ORG, json(
        "{\"name\": \"sim-3\", \"provider\": \"simulator\", \"settings\": {\"phoneNumberId\": \"12ab\"}}")))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.errors()).extracting(FieldError::field)
            .containsExactly("settings.phoneNumberId"));
  }

  @Test
  void pausingAnInstancePausesItsLimiterAndRaisesAnEventOnce() throws Exception {
    WhatsApp w = built(node());
    Instance i = w.instances().create(ORG, json("{\"name\": \"sim\", \"provider\": \"simulator\"}"));
    Instance paused = w.instances().pause(ORG, i.id(), "maintenance");
    assertThat(paused.state()).isEqualTo(InstanceState.PAUSED);
    assertThat(paused.stateReason()).isEqualTo("maintenance");
    assertThat(w.engine().limiters().get(i.limiterKey()).paused()).isTrue();
    w.instances().pause(ORG, i.id(), "again");
    assertThat(w.instances().resume(ORG, i.id()).state()).isEqualTo(InstanceState.CONNECTED);
    assertThat(w.engine().limiters().get(i.limiterKey()).paused()).isFalse();
    assertThat(w.events().eventList(ORG, 0, 10)).extracting(e -> e.type()).containsExactly("instance.paused", "instance.resumed");
  }

  @Test
  void invalidInstancesNameEveryFieldAndStoreNothing() throws Exception {
    WhatsApp w = built(node());
    assertThatThrownBy(() -> w.instances().create(ORG, json(
        "{\"name\": \"\", \"provider\": \"cloud_api\", \"settings\": {\"phoneNumberId\": \"abc\"}, \"ordering\": \"random\","
            + " \"limits\": {\"rate\": {\"count\": 0, \"per\": \"1s\"}, \"gap\": {\"min\": \"8s\", \"max\": \"3s\"},"
            + " \"window\": {\"from\": \"25:00\", \"to\": \"21:00\", \"timeZone\": \"Mars/Base\"}, \"speed\": 1,"
            + " \"pair\": {\"count\": 1, \"per\": \"99999999999d\"}}}")))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.errors()).extracting(FieldError::field)
            .contains("name", "settings.phoneNumberId", "settings.accessToken", "ordering", "limits.rate.count",
                "limits.gap.max", "limits.window.from", "limits.window.timeZone", "limits.speed", "limits.pair.per"));
    assertThat(scalar("SELECT count(*) FROM courier_instance")).isZero();
    w.instances().create(ORG, json("{\"name\": \"once\", \"provider\": \"simulator\"}"));
    assertThatThrownBy(() -> w.instances().create(ORG, json("{\"name\": \"once\", \"provider\": \"simulator\"}")))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.errors()).extracting(FieldError::field).containsExactly("name"));
  }

  @Test
  void theDemoInstanceIsCreatedOnlyOnTheFirstRun() throws Exception {
    WhatsApp w = built(node());
    assertThat(w.createDemoInstanceIfFirstRun()).hasValueSatisfying(i -> assertThat(i.id()).isEqualTo(WhatsApp.DEMO_INSTANCE));
    assertThat(w.createDemoInstanceIfFirstRun()).isEmpty();
    assertThat(scalar("SELECT count(*) FROM courier_instance")).isEqualTo(1);
  }
}
