package dev.courier.queue;

import java.time.Instant;
import java.util.List;

/**
 * A job as stored. Arguments, result and metadata are JSON text; {@link CourierQueue#readArgs} turns
 * arguments into a typed record.
 */
public record Job(
    long id,
    String queue,
    String kind,
    JobState state,
    String argsJson,
    int priority,
    int attempt,
    int maxAttempts,
    Instant createdAt,
    Instant scheduledAt,
    Instant attemptedAt,
    Instant finalizedAt,
    String attemptedBy,
    Instant leaseExpiresAt,
    boolean cancelRequested,
    List<JobError> errors,
    Integer progress,
    String resultJson,
    List<String> tags,
    String metadataJson,
    String uniqueKey,
    String orderKey,
    List<String> limiterKeys) {}
