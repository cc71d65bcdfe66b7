package dev.courier.queue;

import java.time.Duration;

/**
 * Thrown by {@link JobContext#snooze}: the job runs again after the given time without spending an
 * attempt. Workers should let it propagate.
 */
public final class JobSnoozed extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final Duration duration;

  public JobSnoozed(Duration duration) {
    super("snoozed for " + duration, null, false, false);
    this.duration = duration;
  }

  public Duration duration() {
    return duration;
  }
}
