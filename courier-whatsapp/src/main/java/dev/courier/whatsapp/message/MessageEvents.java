package dev.courier.whatsapp.message;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.event.DomainEvent;
import dev.courier.whatsapp.event.EventStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/** Builds and records {@code message.<status>} events, carrying the message's metadata. */
public final class MessageEvents {
  private static final ObjectMapper JSON = new ObjectMapper();

  private MessageEvents() {}

  public static DomainEvent record(Connection conn, EventStore events, Message m, String status, String providerId,
      String errorCode, String errorMessage) throws SQLException {
    DomainEvent e = build(events, m, status, providerId, errorCode, errorMessage);
    events.eventsInsert(conn, List.of(e));
    return e;
  }

  /** The event {@link #record} stores, for a caller that stores several in one statement. */
  public static DomainEvent build(EventStore events, Message m, String status, String providerId, String errorCode,
      String errorMessage) {
    ObjectNode p = JSON.createObjectNode();
    p.put("messageId", m.id());
    p.put("instanceId", m.instanceId());
    p.put("to", m.recipient());
    p.put("status", status);
    p.put("providerMessageId", providerId != null ? providerId : m.providerMessageId());
    if (errorCode != null) {
      p.putObject("error").put("code", errorCode).put("message", errorMessage);
    }
    p.set("metadata", m.metadata());
    return events.eventNew(m.organizationId(), "message." + status, m.id(), p);
  }

  /** A small JSON detail for a history entry. */
  public static ObjectNode detail(String... keyValues) {
    ObjectNode d = JSON.createObjectNode();
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      if (keyValues[i + 1] != null) {
        d.put(keyValues[i], keyValues[i + 1]);
      }
    }
    return d;
  }
}
