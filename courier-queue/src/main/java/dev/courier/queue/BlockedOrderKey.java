package dev.courier.queue;

import java.time.Instant;

/**
 * An order key whose head job failed and waits for a retry: nothing behind it runs until the head
 * succeeds, is cancelled or is discarded.
 *
 * @param key the order key
 * @param headJobId the failed head job
 * @param queue its queue
 * @param kind its kind
 * @param attempt attempts made so far
 * @param maxAttempts attempts allowed
 * @param retryAt when the head runs again
 * @param errorClass the last error's class
 * @param errorMessage the last error's message
 * @param waiting how many ready jobs wait behind it
 */
public record BlockedOrderKey(
    String key,
    long headJobId,
    String queue,
    String kind,
    int attempt,
    int maxAttempts,
    Instant retryAt,
    String errorClass,
    String errorMessage,
    long waiting) {}
