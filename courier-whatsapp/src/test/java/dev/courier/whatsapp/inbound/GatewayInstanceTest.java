package dev.courier.whatsapp.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.courier.queue.testing.DatabaseTest;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.instance.InstanceState;
import dev.courier.whatsapp.message.MessageStatus;
import dev.courier.whatsapp.provider.testing.FakeProviderServer;
import dev.courier.whatsapp.testing.DomainTestBase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A gateway instance end to end: a fake Evolution API, its callbacks with a shared secret. */
@DatabaseTest
class GatewayInstanceTest extends DomainTestBase {
  private static final String SECRET = "gateway-secret";

  private static WebhookService.Answer callback(WhatsApp w, Instance i, String secret, String json) throws Exception {
    return w.webhooks().receive(i.id(), h -> h.equals(WebhookService.SECRET_HEADER) ? secret : null, q -> null,
        json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aDisconnectedSessionHoldsMessagesUntilItReconnectsAndStatusesArriveWithTheSharedSecret() throws Exception {
    try (FakeProviderServer evolution = FakeProviderServer.start(FakeProviderServer.Reply.json(201,
        "{\"key\": {\"remoteJid\": \"5511999990001@s.whatsapp.net\", \"fromMe\": true, \"id\": \"BAE5F00D\"}, \"status\": \"PENDING\"}"))) {
      WhatsApp w = started(node());
      Instance i = w.instances().create(ORG, json("{\"name\": \"zap\", \"provider\": \"gateway\", \"typing\": \"0ms\","
          + " \"settings\": {\"flavor\": \"evolution\", \"baseUrl\": \"" + evolution.baseUri() + "\", \"apiKey\": \"k\","
          + " \"session\": \"vendas\", \"webhookSecret\": \"" + SECRET + "\"},"
          + " \"limits\": {\"gap\": null, \"rest\": null, \"daily\": null, \"window\": null}}"));
      String close = "{\"event\": \"connection.update\", \"instance\": \"vendas\", \"data\": {\"state\": \"close\"}}";
      assertThat(callback(w, i, "wrong", close).status()).isEqualTo(401);
      assertThat(w.instances().get(ORG, i.id()).state()).isEqualTo(InstanceState.CONNECTED);
      assertThat(callback(w, i, SECRET, close).status()).isEqualTo(200);
      assertThat(w.instances().get(ORG, i.id()).state()).isEqualTo(InstanceState.DISCONNECTED);

      String id = w.messages().send(ORG, text(i.id(), "+5511999990001", "oi"), null).message().id();
      Thread.sleep(1500);
      assertThat(evolution.requests()).as("nothing is sent while the session is down").isEmpty();
      assertThat(w.messages().get(ORG, id).status()).isEqualTo(MessageStatus.QUEUED);

      callback(w, i, SECRET, "{\"event\": \"connection.update\", \"instance\": \"vendas\", \"data\": {\"state\": \"open\"}}");
      await().atMost(Duration.ofSeconds(10)).until(() -> w.messages().get(ORG, id).status() == MessageStatus.SENT);
      assertThat(evolution.only().path()).isEqualTo("/message/sendText/vendas");
      assertThat(evolution.only().json().get("number").asText()).isEqualTo("5511999990001");
      assertThat(w.messages().get(ORG, id).providerMessageId()).isEqualTo("BAE5F00D");

      String ack = "{\"event\": \"messages.update\", \"instance\": \"vendas\", \"data\": {\"keyId\": \"BAE5F00D\","
          + " \"remoteJid\": \"5511999990001@s.whatsapp.net\", \"fromMe\": true, \"status\": \"%s\"}}";
      assertThat(callback(w, i, SECRET, ack.formatted("READ")).status()).isEqualTo(200);
      callback(w, i, SECRET, ack.formatted("DELIVERY_ACK"));
      assertThat(w.messages().get(ORG, id).status()).as("a late delivery receipt does not undo read").isEqualTo(MessageStatus.READ);

      String inbound = "{\"event\": \"messages.upsert\", \"instance\": \"vendas\", \"data\": {\"key\": {\"remoteJid\":"
          + " \"5511999990001@s.whatsapp.net\", \"fromMe\": false, \"id\": \"IN-1\"}, \"pushName\": \"Ana\","
          + " \"message\": {\"conversation\": \"obrigada\"}, \"messageType\": \"conversation\", \"messageTimestamp\": 1763900000}}";
      callback(w, i, SECRET, inbound);
      callback(w, i, SECRET, inbound);
      assertThat(scalar("SELECT count(*) FROM courier_inbound_message WHERE instance_id = ?", i.id())).isEqualTo(1);
      assertThat(w.events().eventList(ORG, 0, 100)).extracting(e -> e.type())
          .contains("instance.disconnected", "instance.connected", "message.sent", "message.read")
          .filteredOn("message.received"::equals).hasSize(1);
    }
  }
}
