package dev.courier.queue;

import java.time.Instant;

/**
 * One failed attempt of a job, as kept in its error history.
 *
 * @param attempt the attempt number that failed (1 for the first run)
 * @param at when the failure was recorded
 * @param errorClass the exception's class name, or a reason such as {@code lease_expired}
 * @param message the exception's message
 * @param trace a trimmed stack trace, or null
 */
public record JobError(int attempt, Instant at, String errorClass, String message, String trace) {}
