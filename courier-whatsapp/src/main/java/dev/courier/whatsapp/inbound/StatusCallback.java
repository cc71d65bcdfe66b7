package dev.courier.whatsapp.inbound;

import java.time.Instant;
import java.util.List;

/**
 * A provider reported a status of a message Courier sent.
 *
 * @param providerMessageId the provider's id of the message (wamid on the Cloud API)
 * @param status {@code sent}, {@code delivered}, {@code read}, {@code played} or {@code failed}
 * @param at when the provider says it happened
 * @param recipient the recipient as the provider names it (wa_id, phone or chat id), or null
 * @param bizOpaqueCallbackData the Cloud API's echo of what Courier sent with the message (Courier's
 *     message id), or null
 * @param errors for {@code failed}: the provider's errors
 */
public record StatusCallback(
    String providerMessageId,
    String status,
    Instant at,
    String recipient,
    String bizOpaqueCallbackData,
    List<CallbackError> errors) {

  /** One error of a failed status: the provider's code, title and details. */
  public record CallbackError(String code, String title, String detail) {}
}
