package dev.courier.queue;

import java.util.Objects;

/**
 * A job enqueued on a schedule. The leader enqueues each tick exactly once across all nodes (a
 * guard row per name moves forward in the same transaction as the insert); ticks missed while no
 * node ran are collapsed into one run at the next check. A new periodic job starts with the next
 * tick after it is first seen.
 *
 * @param name stable identifier; renaming starts a new schedule
 * @param schedule when to run
 * @param job the job to enqueue at each tick
 */
public record PeriodicJob(String name, CronSchedule schedule, JobRequest job) {
  public PeriodicJob {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(job, "job");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name: must not be blank");
    }
  }
}
