package dev.courier.queue;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The states of a job. A job is {@code scheduled} until its start time, {@code available} when it
 * may run, {@code running} while a node holds its lease, {@code retryable} after a failed attempt
 * that will be retried, and finally {@code completed}, {@code cancelled} or {@code discarded} (dead:
 * out of attempts or failed permanently).
 */
public enum JobState {
  SCHEDULED,
  AVAILABLE,
  RUNNING,
  RETRYABLE,
  COMPLETED,
  CANCELLED,
  DISCARDED;

  private static final Map<JobState, Set<JobState>> ALLOWED =
      Map.of(
          SCHEDULED, EnumSet.of(AVAILABLE, CANCELLED, DISCARDED),
          AVAILABLE, EnumSet.of(RUNNING, SCHEDULED, CANCELLED, DISCARDED),
          // A running job snoozed or released at shutdown goes back to scheduled or available.
          RUNNING, EnumSet.of(COMPLETED, RETRYABLE, DISCARDED, CANCELLED, SCHEDULED, AVAILABLE),
          RETRYABLE, EnumSet.of(AVAILABLE, CANCELLED, DISCARDED),
          // Finalized jobs leave their state only through an explicit admin retry.
          COMPLETED, EnumSet.of(AVAILABLE),
          CANCELLED, EnumSet.of(AVAILABLE),
          DISCARDED, EnumSet.of(AVAILABLE));

  /** The name used in SQL, JSON and the API. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name such as {@code "available"}; throws naming the allowed values. */
  public static JobState fromWire(String name) {
    for (JobState s : values()) {
      if (s.wireName().equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown job state '" + name + "': expected one of scheduled, available, running,"
            + " retryable, completed, cancelled, discarded");
  }

  /** Whether the job will not run again unless an administrator retries it. */
  public boolean isFinal() {
    return this == COMPLETED || this == CANCELLED || this == DISCARDED;
  }

  /** Whether the engine ever moves a job from this state to {@code next}. */
  public boolean canMoveTo(JobState next) {
    return ALLOWED.get(this).contains(next);
  }
}
