package dev.courier.whatsapp.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A message a WhatsApp user sent to an instance.
 *
 * @param providerMessageId the provider's id (wamid on the Cloud API)
 * @param from the sender's phone number in E.164 when known (from {@code wa_id} or {@code from}),
 *     else null (business-scoped ids may come without a phone number)
 * @param contactKey the stable key of the sender for this number: {@code parent_user_id ?? user_id
 *     ?? wa_id} on the Cloud API, the chat id on gateways
 * @param userId Meta's business-scoped user id, or null
 * @param parentUserId Meta's parent business-scoped user id, or null
 * @param profileName the sender's profile name, or null
 * @param type the message type as the provider names it ({@code text}, {@code image}, …)
 * @param content the whole provider object of the message, kept as received
 * @param at when the user sent it
 * @param replyTo the provider id of the message it replies to, or null
 */
public record InboundMessage(
    String providerMessageId,
    String from,
    String contactKey,
    String userId,
    String parentUserId,
    String profileName,
    String type,
    JsonNode content,
    Instant at,
    String replyTo) {}
