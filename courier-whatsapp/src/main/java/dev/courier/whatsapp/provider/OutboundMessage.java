package dev.courier.whatsapp.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;

/**
 * A message as a provider sends it.
 *
 * @param messageId Courier's id ({@code msg_…}); the Cloud API carries it back in status callbacks
 *     as {@code biz_opaque_callback_data}
 * @param to the recipient: E.164 with a leading {@code +}, or a gateway group chat id ({@code
 *     …@g.us})
 * @param type {@code text}, {@code image}, {@code audio}, {@code video}, {@code document}, {@code
 *     sticker}, {@code location}, {@code contacts}, {@code interactive}, {@code template} or {@code
 *     reaction}
 * @param content the type's object exactly as the Cloud API wants it (snake_case field names, e.g.
 *     {@code {"body": "hi", "preview_url": false}} for text), already validated; contacts, an array
 *     on the wire, arrive wrapped as {@code {"contacts": [...]}} (see {@code WireContent})
 * @param replyTo the provider id of the message this one replies to ({@code context.message_id}),
 *     or null
 * @param typing how long to show the typing indicator before sending; {@link Duration#ZERO} for none
 * @param typingContext for the Cloud API: the provider id of the latest inbound message of this
 *     chat (its typing indicator is tied to one), or null when there is none
 */
public record OutboundMessage(
    String messageId,
    String to,
    String type,
    ObjectNode content,
    String replyTo,
    Duration typing,
    String typingContext) {}
