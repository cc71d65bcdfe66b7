package dev.courier.queue.internal.store;

import dev.courier.queue.JobState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** A validated job ready to insert. */
public record NewJob(
    JobState state,
    String queue,
    String kind,
    String argsJson,
    int priority,
    int maxAttempts,
    Instant scheduledAt,
    String uniqueKey,
    String uniqueWindowKey,
    List<String> tags,
    String metadataJson,
    String orderKey,
    Duration orderHold,
    Duration orderDelay,
    Duration orderJitter,
    List<String> limiterKeys,
    String limitValue) {}
