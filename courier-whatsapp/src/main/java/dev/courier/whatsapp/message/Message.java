package dev.courier.whatsapp.message;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;

/**
 * A message as stored.
 *
 * @param recipient E.164 phone number, or a gateway group id
 * @param content the type's object in the Cloud API's wire form
 * @param orderKey the engine order key its send job carries
 * @param jobId the send job
 * @param sendAttempt the job attempt that last marked it {@code sending}
 * @param throttleCount how many times the provider throttled it (drives the throttle backoff)
 */
public record Message(
    long seq,
    String id,
    String organizationId,
    String instanceId,
    String recipient,
    String type,
    ObjectNode content,
    String replyTo,
    String templateName,
    int priority,
    Duration typing,
    String orderKey,
    ObjectNode metadata,
    String idempotencyKey,
    MessageStatus status,
    Long jobId,
    String providerMessageId,
    int sendAttempt,
    int throttleCount,
    Instant inDoubtSince,
    String errorCode,
    String errorMessage,
    Instant scheduledAt,
    Instant createdAt,
    Instant updatedAt,
    Instant sentAt,
    Instant deliveredAt,
    Instant readAt,
    Instant failedAt) {}
