package dev.courier.queue;

import java.util.Map;

/**
 * A queue's job counts by state and whether it is paused.
 *
 * @param queue the queue's name
 * @param counts the number of jobs in each state (every state present, zero when none)
 * @param paused whether the queue is paused cluster-wide
 */
public record QueueStats(String queue, Map<JobState, Long> counts, boolean paused) {
  public long count(JobState state) {
    return counts.getOrDefault(state, 0L);
  }
}
