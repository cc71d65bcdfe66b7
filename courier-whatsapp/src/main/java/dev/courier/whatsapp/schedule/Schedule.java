package dev.courier.whatsapp.schedule;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneId;

/**
 * A schedule as stored: a message template for some recipients, sent once ({@code runAt}) or on a
 * cron expression in {@code timeZone} until {@code endAt}; {@code nextAt} is the next occurrence.
 */
public record Schedule(
    String id,
    String organizationId,
    String instanceId,
    String name,
    String status,
    ObjectNode template,
    ArrayNode recipients,
    Instant runAt,
    String cron,
    ZoneId timeZone,
    Instant endAt,
    Instant nextAt,
    Instant lastOccurrenceAt,
    Instant createdAt,
    Instant updatedAt) {}
