package dev.courier.queue;

import java.time.Instant;

/**
 * A job changed state on this node (or, for rescues and promotions, through this node's leader).
 *
 * @param jobId the job
 * @param queue its queue
 * @param kind its kind
 * @param from the previous state, or null for an insert
 * @param to the new state
 * @param attempt the attempt number at the time of the change
 * @param at when the change happened
 */
public record JobEvent(
    long jobId, String queue, String kind, JobState from, JobState to, int attempt, Instant at) {}
