package dev.courier.whatsapp.event;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * Something that happened to an organization's objects: {@code message.sent}, {@code
 * message.delivered}, {@code message.read}, {@code message.failed}, {@code message.in_doubt},
 * {@code message.cancelled}, {@code message.received}, {@code instance.paused}, {@code
 * instance.resumed}, {@code instance.connected}, {@code instance.disconnected}. Stored in the
 * transaction of the change, so customer webhooks can deliver each exactly as committed.
 */
public record DomainEvent(String id, String organizationId, String type, String subjectId, ObjectNode payload, Instant at) {}
