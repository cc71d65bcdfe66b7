package dev.courier.queue.internal.store;

import dev.courier.queue.JobState;

/** One job's committed change of state, as returned by a store statement. */
public record StateChange(long id, String queue, String kind, JobState from, JobState to, int attempt) {}
