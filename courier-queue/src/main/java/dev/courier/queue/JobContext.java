package dev.courier.queue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * What a worker gets for one attempt of one job: the job, its typed arguments, and ways to report
 * back. Not thread-safe beyond the worker's own thread, except {@link #isCancelled()}.
 *
 * @param <A> the type of the job's arguments
 */
public interface JobContext<A> {
  /** The job as claimed (its error history is not loaded here; use {@link CourierQueue#job}). */
  Job job();

  /** The job's arguments, deserialized into the type the worker was registered with. */
  A args();

  /** The current attempt, 1 for the first run. */
  default int attempt() {
    return job().attempt();
  }

  /**
   * True once the job was cancelled while running (the worker's thread is also interrupted).
   * Long workers should check it between steps and return.
   */
  boolean isCancelled();

  /** Records progress 0-100, visible at once to admin calls. */
  void progress(int percent);

  /** Records a small JSON-able result, stored with the job when it completes. */
  void result(Object value);

  /**
   * Ends this attempt and runs the job again after {@code duration} without spending an attempt.
   * Throws {@link JobSnoozed}; let it propagate.
   */
  JobSnoozed snooze(Duration duration);

  /**
   * Completes the job inside the caller's transaction, so that the worker's own writes and the
   * completion commit together or not at all. Returns false when this node no longer holds the job
   * (its lease expired and it was rescued): the caller should roll back.
   */
  boolean completeWithin(Connection connection) throws SQLException;
}
