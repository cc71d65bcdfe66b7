package dev.courier.queue.internal.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.queue.Job;
import dev.courier.queue.JobContext;
import dev.courier.queue.JobSnoozed;
import dev.courier.queue.internal.store.Completion;
import dev.courier.queue.internal.store.JobStore;
import dev.courier.queue.internal.store.Wake;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** One claimed job on this node: buffered until a slot frees, then running on its own thread. */
final class RunningJob implements JobContext<Object> {
  final Job job;
  private final JobStore store;
  private final ObjectMapper json;
  private final Clock clock;
  private final String node;
  Object args;
  volatile Thread thread;
  volatile boolean cancelled;
  volatile boolean timedOut;
  volatile boolean releasing;
  /**
   * What the worker's transaction that completed the job ({@code completeWithin}) owes the
   * fetchers once it committed; null while the worker has not completed it itself.
   */
  volatile Wake completionWake;

  boolean completedExternally() {
    return completionWake != null;
  }
  volatile boolean leaseLost;
  /** Succeeded; its completion is queued for the batched writer. */
  volatile boolean completing;
  volatile String resultJson;

  RunningJob(Job job, JobStore store, ObjectMapper json, Clock clock, String node) {
    this.job = job;
    this.store = store;
    this.json = json;
    this.clock = clock;
    this.node = node;
  }

  @Override
  public Job job() {
    return job;
  }

  @Override
  public Object args() {
    return args;
  }

  @Override
  public boolean isCancelled() {
    return cancelled;
  }

  void cancel() {
    cancelled = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }

  @Override
  public void progress(int percent) {
    if (percent < 0 || percent > 100) {
      throw new IllegalArgumentException("progress: " + percent + " is out of range 0-100 (job " + job.id() + ")");
    }
    try {
      store.jobSetProgress(job.id(), job.attempt(), node, percent);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot record progress of job " + job.id(), e);
    }
  }

  @Override
  public void result(Object value) {
    try {
      resultJson = value == null ? null : json.writeValueAsString(value);
    } catch (Exception e) {
      throw new IllegalArgumentException("result: cannot be written as JSON (job " + job.id() + "): " + e.getMessage(), e);
    }
  }

  @Override
  public JobSnoozed snooze(Duration duration) {
    if (duration == null || duration.isNegative()) {
      throw new IllegalArgumentException("snooze: duration must not be negative (job " + job.id() + ")");
    }
    throw new JobSnoozed(duration);
  }

  /**
   * Completes running jobs of one node (the caller checked that this node holds them) in one
   * statement on the caller's connection; returns, in their order, whether each was still held
   * (and is now completed within the caller's transaction).
   */
  static boolean[] completeAllWithin(Connection connection, List<RunningJob> running, Instant now) throws SQLException {
    if (running.isEmpty()) {
      return new boolean[0];
    }
    RunningJob first = running.get(0);
    List<Completion> done = new ArrayList<>(running.size());
    for (RunningJob rj : running) {
      done.add(new Completion(rj.job.id(), rj.job.attempt(), rj.resultJson));
    }
    JobStore.Changed changed = first.store.jobCompleteMany(connection, done, now, first.node);
    Set<Long> completed = new HashSet<>();
    changed.changes().forEach(c -> completed.add(c.id()));
    boolean[] out = new boolean[running.size()];
    boolean announced = false;
    for (int i = 0; i < out.length; i++) {
      RunningJob rj = running.get(i);
      out[i] = completed.contains(rj.job.id());
      if (out[i]) {
        // One wake for the statement: the first job's worker announces it, the others owe none.
        rj.completionWake = announced ? Wake.NONE : changed.wake();
        announced = true;
      }
    }
    return out;
  }

  @Override
  public boolean completeWithin(Connection connection) throws SQLException {
    Wake wake = store.jobCompleteOne(connection, job.id(), job.attempt(), node, clock.instant(), resultJson);
    completionWake = wake;
    return wake != null;
  }
}
