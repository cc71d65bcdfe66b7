package dev.courier.whatsapp.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.Ids;
import dev.courier.whatsapp.event.DomainEvent;
import dev.courier.whatsapp.event.EventStore;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.instance.Instances;
import dev.courier.whatsapp.instance.ProviderKind;
import dev.courier.whatsapp.store.Tx;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provider callbacks for one instance: Meta's verification handshake, then signed callbacks
 * (Cloud API: {@code X-Hub-Signature-256} with the app secret; gateways: a shared secret). Nothing
 * is stored unless the request is authentic. Statuses go to {@link StatusUpdates}; inbound messages
 * are stored once each and raise {@code message.received}.
 */
public final class WebhookService {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookService.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String SECRET_HEADER = "X-Courier-Webhook-Secret";

  /** What to answer: an HTTP status and a plain-text body. */
  public record Answer(int status, String body) {}

  private final DataSource dataSource;
  private final Instances instances;
  private final StatusUpdates statusUpdates;
  private final ContactStore contacts;
  private final EventStore events;
  private final Clock clock;

  public WebhookService(DataSource dataSource, Instances instances, StatusUpdates statusUpdates, ContactStore contacts,
      EventStore events, Clock clock) {
    this.dataSource = dataSource;
    this.instances = instances;
    this.statusUpdates = statusUpdates;
    this.contacts = contacts;
    this.events = events;
    this.clock = clock;
  }

  /** Meta's subscription handshake: echo the challenge when the verify token matches. */
  public Answer verify(String instanceId, String mode, String token, String challenge) throws SQLException {
    Optional<Instance> i = instances.find(instanceId);
    if (i.isEmpty()) {
      return new Answer(404, "no such instance");
    }
    String expected = i.get().settings().path("verifyToken").asText(null);
    if (!"subscribe".equals(mode) || challenge == null || !WebhookSignature.secretMatches(token, expected)) {
      return new Answer(403, "verification failed");
    }
    return new Answer(200, challenge);
  }

  /** A callback request. {@code header} and {@code query} look up request headers and parameters. */
  public Answer receive(String instanceId, Function<String, String> header, Function<String, String> query, byte[] body)
      throws SQLException {
    Optional<Instance> found = instances.find(instanceId);
    if (found.isEmpty()) {
      return new Answer(404, "no such instance");
    }
    Instance i = found.get();
    if (!authentic(i, header, query, body)) {
      // Nothing of an unauthenticated request is read or stored.
      LOG.warn("webhook refused: bad or missing signature instance={}", i.id());
      return new Answer(401, "missing or invalid signature");
    }
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      return new Answer(400, "the body is not JSON");
    }
    if (root == null || !root.isObject()) {
      return new Answer(400, "the body is not a JSON object");
    }
    WebhookBatch batch = parse(i, root);
    statusUpdates.apply(i, batch.statuses());
    storeInbound(i, batch.messages());
    if (batch.connection() != null) {
      instances.connection(i, "connected".equals(batch.connection()));
    }
    return new Answer(200, "ok");
  }

  private WebhookBatch parse(Instance i, JsonNode root) {
    if (i.provider() == ProviderKind.GATEWAY) {
      return "waha".equals(i.settings().path("flavor").asText())
          ? new WahaWebhookParser(clock).parse(root)
          : new EvolutionWebhookParser(clock).parse(root);
    }
    return new CloudWebhookParser(clock).parse(root);
  }

  private static boolean authentic(Instance i, Function<String, String> header, Function<String, String> query, byte[] body) {
    if (i.provider() == ProviderKind.GATEWAY) {
      String secret = i.settings().path("webhookSecret").asText(null);
      String given = Optional.ofNullable(header.apply(SECRET_HEADER)).orElse(query.apply("secret"));
      return WebhookSignature.secretMatches(given, secret);
    }
    String appSecret = i.settings().path("appSecret").asText(null);
    return appSecret != null && WebhookSignature.verify(body, header.apply("X-Hub-Signature-256"), appSecret);
  }

  private void storeInbound(Instance i, List<InboundMessage> inbound) throws SQLException {
    if (inbound.isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    List<DomainEvent> raised = new ArrayList<>();
    Tx.run(dataSource, conn -> {
      for (InboundMessage m : inbound) {
        if (m.providerMessageId() == null || m.contactKey() == null) {
          continue;
        }
        String id = Ids.next("inb", clock);
        if (contacts.inboundInsert(conn, id, i.id(), m, now)) {
          contacts.contactUpsert(conn, i.id(), m);
          ObjectNode p = JSON.createObjectNode();
          p.put("inboundId", id).put("instanceId", i.id()).put("providerMessageId", m.providerMessageId());
          p.put("from", m.from()).put("contactKey", m.contactKey()).put("profileName", m.profileName());
          p.put("type", m.type()).put("replyTo", m.replyTo());
          p.put("at", m.at() == null ? now.toString() : m.at().toString());
          p.set("content", m.content());
          raised.add(events.eventInsert(conn, i.organizationId(), "message.received", id, p));
        }
      }
      return null;
    });
    events.publishAfterCommit(raised);
  }
}
