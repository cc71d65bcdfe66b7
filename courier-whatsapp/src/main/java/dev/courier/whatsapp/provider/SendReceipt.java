package dev.courier.whatsapp.provider;

/**
 * The provider accepted a message.
 *
 * @param providerMessageId the provider's id for it (a {@code wamid.…} on the Cloud API)
 */
public record SendReceipt(String providerMessageId) {}
