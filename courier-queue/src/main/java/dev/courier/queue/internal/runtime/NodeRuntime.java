package dev.courier.queue.internal.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.queue.Job;
import dev.courier.queue.JobContext;
import dev.courier.queue.JobSnoozed;
import dev.courier.queue.JobState;
import dev.courier.queue.PermanentJobFailure;
import dev.courier.queue.QueueConfig;
import dev.courier.queue.ResourceUnavailable;
import dev.courier.queue.WorkerOptions;
import dev.courier.queue.internal.store.Completion;
import dev.courier.queue.internal.store.JobStore;
import dev.courier.queue.internal.store.NewJob;
import dev.courier.queue.internal.store.QueueStore;
import dev.courier.queue.internal.store.StateChange;
import dev.courier.queue.internal.store.Wake;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one node does with jobs it runs: fetching per queue, running workers on virtual
 * threads, recording outcomes, renewing leases, following pause and cancel signals, and handing
 * jobs back on shutdown.
 */
public final class NodeRuntime {
  private static final Logger log = LoggerFactory.getLogger(NodeRuntime.class);
  private static final int TRACE_LIMIT = 4_000;

  private final JobStore store;
  private final QueueStore queues;
  private final ObjectMapper json;
  private final Clock clock;
  private final String node;
  private final EngineSettings settings;
  private final EventBus events;
  private final Map<String, WorkerRegistration<?>> workers;
  private final Map<String, QueueRunner> runners = new HashMap<>();
  /** Every job this node holds a lease on: buffered, running, or waiting for its completion. */
  private final Map<Long, RunningJob> held = new ConcurrentHashMap<>();
  private final Completer completer;
  private final ScheduledExecutorService timers;
  private final Notifier notifier;
  private final Announcer announcer;
  private volatile Runnable onScheduledNotification = () -> {};

  public NodeRuntime(
      JobStore store,
      QueueStore queues,
      ObjectMapper json,
      Clock clock,
      String node,
      EngineSettings settings,
      EventBus events,
      Map<String, WorkerRegistration<?>> workers,
      List<QueueConfig> queueConfigs) {
    this.store = store;
    this.queues = queues;
    this.json = json;
    this.clock = clock;
    this.node = node;
    this.settings = settings;
    this.events = events;
    this.workers = Map.copyOf(workers);
    this.announcer = new Announcer(store.dataSource(), this::localEnqueue, () -> onScheduledNotification.run());
    this.completer =
        new Completer(store, clock, node, settings.completionBatch(), events, this::completionsWritten, announcer::announce);
    for (QueueConfig q : queueConfigs) {
      runners.put(
          q.name(),
          new QueueRunner(q.name(), q.concurrency(), q.prefetch(), settings.pollInterval(),
              new QueueRunner.Claimer() {
                @Override
                public List<Job> claim(String queue, int limit) throws SQLException {
                  return NodeRuntime.this.claim(queue, limit);
                }

                @Override
                public Optional<Duration> nextLimiterWake(String queue) throws SQLException {
                  Instant now = clock.instant();
                  return store.limiterNextWake(queue, now).map(at -> Duration.between(now, at));
                }

                @Override
                public void releaseLate(List<RunningJob> jobs) {
                  release(jobs);
                }
              },
              this::hold, this::startJob));
    }
    ScheduledThreadPoolExecutor timerPool =
        new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().daemon().name("courier-timers").unstarted(r));
    // Every job schedules its timeout and cancels it when it ends: without removal on cancel the
    // cancelled timeouts (5 minutes by default) pile up, millions of them at full speed.
    timerPool.setRemoveOnCancelPolicy(true);
    this.timers = timerPool;
    this.notifier =
        new Notifier(
            store.dataSource(),
            List.of(Announcer.CHANNEL, "courier_job_ready", "courier_job_scheduled", "courier_control"),
            this::onNotification,
            this::onNotifierConnected,
            this::refreshPaused,
            Duration.ofSeconds(1));
  }

  private void completionsWritten(List<Completion> done) {
    Map<String, Integer> perQueue = new HashMap<>();
    for (Completion c : done) {
      RunningJob rj = held.remove(c.id());
      if (rj != null) {
        perQueue.merge(rj.job.queue(), 1, Integer::sum);
      }
    }
    perQueue.forEach((queue, n) -> runners.get(queue).completionsWritten(n));
  }

  public void onScheduledNotification(Runnable r) {
    this.onScheduledNotification = r;
  }

  public void start() {
    refreshPaused();
    completer.start();
    notifier.start();
    for (QueueRunner r : runners.values()) {
      r.start();
    }
    long renewMs = settings.leaseRenewInterval().toMillis();
    timers.scheduleWithFixedDelay(this::renewLeases, renewMs, renewMs, TimeUnit.MILLISECONDS);
  }

  /**
   * Call after the transaction that owes {@code wake} committed: wakes this node's fetchers at once
   * and the other nodes' through one NOTIFY sent outside any writing transaction.
   */
  public void announce(Wake wake) {
    announcer.announce(wake);
  }

  /** See {@code CourierQueue.completeWithin(Connection, List)}. */
  public boolean[] completeWithin(Connection connection, List<? extends JobContext<?>> jobs) throws SQLException {
    List<RunningJob> running = new ArrayList<>(jobs.size());
    for (JobContext<?> ctx : jobs) {
      if (!(ctx instanceof RunningJob rj) || held.get(rj.job.id()) != rj) {
        throw new IllegalArgumentException("jobs: job " + ctx.job().id() + " is not running on this node");
      }
      running.add(rj);
    }
    return RunningJob.completeAllWithin(connection, running, clock.instant());
  }

  /** A job was enqueued by this process: wake its queue without waiting for the notification. */
  public void localEnqueue(String queue) {
    QueueRunner r = runners.get(queue);
    if (r != null) {
      r.wake();
    }
  }

  /**
   * Enqueues a job that a worker of this node can start at once by inserting it already running
   * under this node's lease, then starts it: no claim statement and no wake-up lie between the
   * commit and the worker. Returns the inserted job's id, or -1 when the job does not qualify (it
   * waits for a time, has an order key, limiters or a unique key, no worker of this node runs its
   * kind, or its queue's runner is not idle: see {@code QueueRunner.tryReserve}); nothing is
   * written then and the caller enqueues it the usual way.
   */
  public long handOff(NewJob row) throws SQLException {
    if (row.state() != JobState.AVAILABLE || row.orderKey() != null || row.uniqueKey() != null
        || row.uniqueWindowKey() != null || (row.limiterKeys() != null && !row.limiterKeys().isEmpty())
        || !workers.containsKey(row.kind())) {
      return -1;
    }
    QueueRunner runner = runners.get(row.queue());
    if (runner == null || !runner.tryReserve()) {
      return -1;
    }
    Job job;
    try {
      Instant now = clock.instant();
      job = store.jobInsertRunning(row, now, node, now.plus(settings.leaseDuration()));
    } catch (SQLException | RuntimeException e) {
      // Not inserted, or the commit's outcome is unknown: a job that did commit is running under
      // a lease nobody renews, so the leader rescues it when that lease expires.
      runner.cancelReservation();
      throw e;
    }
    Instant now = clock.instant();
    events.emit(new StateChange(job.id(), job.queue(), job.kind(), null, JobState.AVAILABLE, 0), now);
    events.emit(new StateChange(job.id(), job.queue(), job.kind(), JobState.AVAILABLE, JobState.RUNNING, 1), now);
    RunningJob rj = hold(job);
    if (!runner.startReserved(rj)) {
      release(List.of(rj));
    }
    return job.id();
  }

  public boolean isPaused(String queue) {
    QueueRunner r = runners.get(queue);
    return r != null && r.paused();
  }

  /** Number of jobs this node holds (buffered, running, or completing). */
  public int heldCount() {
    return held.size();
  }

  // ------------------------------------------------------------------ fetching and running

  private List<Job> claim(String queue, int limit) throws SQLException {
    Instant now = clock.instant();
    List<Job> jobs = store.jobClaim(queue, limit, now, node, now.plus(settings.leaseDuration()));
    if (!events.isEmpty()) {
      for (Job j : jobs) {
        events.emit(new StateChange(j.id(), j.queue(), j.kind(), JobState.AVAILABLE, JobState.RUNNING, j.attempt()), now);
      }
    }
    return jobs;
  }

  private RunningJob hold(Job job) {
    RunningJob rj = new RunningJob(job, store, json, clock, node);
    held.put(job.id(), rj);
    return rj;
  }

  private void startJob(RunningJob rj) {
    Thread.ofVirtual().name("courier-job-" + rj.job.id()).start(() -> execute(rj));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void execute(RunningJob rj) {
    Job job = rj.job;
    rj.thread = Thread.currentThread();
    WorkerRegistration reg = workers.get(job.kind());
    Throwable failure = null;
    ScheduledFuture<?> timeout = null;
    try {
      if (reg == null) {
        throw new IllegalStateException("no worker for kind '" + job.kind() + "' on node " + node);
      }
      if (rj.cancelled) {
        throw new java.util.concurrent.CancellationException("cancelled before it started");
      }
      try {
        rj.args = json.readValue(job.argsJson(), reg.argsType());
      } catch (Exception e) {
        throw new PermanentJobFailure(
            "args of job " + job.id() + " do not read as " + reg.argsType().getSimpleName() + ": " + e.getMessage(), e);
      }
      Duration limit = reg.options().timeout();
      if (limit != null) {
        timeout =
            timers.schedule(
                () -> {
                  rj.timedOut = true;
                  Thread t = rj.thread;
                  if (t != null) {
                    t.interrupt();
                  }
                },
                limit.toMillis(),
                TimeUnit.MILLISECONDS);
      }
      reg.worker().work(rj);
    } catch (Throwable t) {
      failure = t;
    } finally {
      if (timeout != null) {
        timeout.cancel(false);
      }
      rj.thread = null;
      Thread.interrupted();
    }
    try {
      record(rj, reg, failure);
    } finally {
      runners.get(job.queue()).finished(rj.completing);
    }
  }

  private void record(RunningJob rj, WorkerRegistration<?> reg, Throwable failure) {
    Job job = rj.job;
    if (rj.releasing) {
      return; // shutdown hands it back
    }
    if (rj.completedExternally()) {
      // Committed by the worker's own transaction (whatever the worker did after it).
      announcer.announce(rj.completionWake);
    }
    if (failure == null) {
      if (rj.completedExternally()) {
        held.remove(job.id());
        events.emit(new StateChange(job.id(), job.queue(), job.kind(), JobState.RUNNING, JobState.COMPLETED, job.attempt()), clock.instant());
      } else {
        rj.completing = true;
        completer.add(new Completion(job.id(), job.attempt(), rj.resultJson));
      }
      return;
    }
    Instant now = clock.instant();
    try {
      Duration snooze = null;
      if (failure instanceof JobSnoozed s) {
        snooze = s.duration();
      } else if (failure instanceof ResourceUnavailable u && !rj.cancelled) {
        snooze = u.retryAfter() != null ? u.retryAfter()
            : reg != null ? reg.options().unavailableSnooze() : WorkerOptions.DEFAULT_UNAVAILABLE_SNOOZE;
        log.info("resource unavailable, job waits job={} kind={} snooze={} reason={}", job.id(), job.kind(), snooze, u.getMessage());
      }
      if (snooze != null) {
        Optional<JobStore.Moved> to = store.jobSnooze(job.id(), job.attempt(), node, now.plus(snooze), now);
        to.ifPresent(m -> {
          announcer.announce(m.wake());
          events.emit(new StateChange(job.id(), job.queue(), job.kind(), JobState.RUNNING, m.state(), job.attempt() - 1), now);
        });
        return;
      }
      if (rj.timedOut) {
        failure = new java.util.concurrent.TimeoutException(
            "job " + job.id() + " (" + job.kind() + ") ran longer than its timeout " + reg.options().timeout());
      }
      boolean permanent = failure instanceof PermanentJobFailure || job.attempt() >= job.maxAttempts();
      JobState next;
      Instant retryAt = now;
      if (permanent) {
        next = JobState.DISCARDED;
      } else {
        Duration wait = reg == null ? Duration.ofSeconds(1) : reg.options().retryPolicy().backoff(job.attempt(), failure);
        retryAt = now.plus(wait);
        next = wait.isZero() || wait.isNegative() ? JobState.AVAILABLE : JobState.RETRYABLE;
      }
      String error = store.errorJson(job.attempt(), now, failure.getClass().getName(), String.valueOf(failure.getMessage()), trace(failure));
      Optional<JobState> to = store.jobFailAttempt(job.id(), job.attempt(), node, next, retryAt, now, error)
          .map(m -> {
            announcer.announce(m.wake());
            return m.state();
          });
      if (to.isPresent()) {
        if (to.get() == JobState.DISCARDED) {
          log.warn("job discarded job={} kind={} queue={} attempt={}/{} error={}", job.id(), job.kind(), job.queue(), job.attempt(), job.maxAttempts(), failure.toString());
        } else if (to.get() != JobState.CANCELLED) {
          log.info("job attempt failed job={} kind={} queue={} attempt={}/{} retry_at={} error={}", job.id(), job.kind(), job.queue(), job.attempt(), job.maxAttempts(), retryAt, failure.getClass().getSimpleName());
        }
        events.emit(new StateChange(job.id(), job.queue(), job.kind(), JobState.RUNNING, to.get(), job.attempt()), now);
      }
    } catch (SQLException e) {
      // The lease runs out and the rescuer retries the job: the failure is not lost, only delayed.
      log.warn("cannot record the outcome of job={} kind={}: {}", job.id(), job.kind(), e.toString());
    } finally {
      held.remove(job.id());
    }
  }

  private static String trace(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    String s = w.toString();
    return s.length() <= TRACE_LIMIT ? s : s.substring(0, TRACE_LIMIT) + "\n\t...";
  }

  // ------------------------------------------------------------------ leases and signals

  private void renewLeases() {
    if (held.isEmpty()) {
      return;
    }
    List<Long> idList = new ArrayList<>(held.keySet());
    long[] ids = new long[idList.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = idList.get(i);
    }
    try {
      Map<Long, Boolean> stillHeld = store.jobRenewLeases(ids, node, clock.instant().plus(settings.leaseDuration()));
      for (long id : ids) {
        RunningJob rj = held.get(id);
        if (rj == null) {
          continue;
        }
        Boolean cancel = stillHeld.get(id);
        if (cancel == null) {
          // A job whose completion was committed since the ids were read is simply done.
          if (!rj.leaseLost && !rj.completing && !rj.completedExternally()) {
            rj.leaseLost = true;
            log.warn("lease lost job={} kind={}: another node may run it; this run's outcome will be ignored", id, rj.job.kind());
          }
        } else if (cancel && !rj.cancelled) {
          rj.cancel();
        }
      }
    } catch (SQLException | RuntimeException e) {
      log.warn("cannot renew {} leases: {}", ids.length, e.toString());
    }
  }

  private void onNotification(String channel, String payload) {
    switch (channel) {
      case Announcer.CHANNEL -> announcer.read(payload).filter(a -> !a.own()).ifPresent(a -> {
        if (a.readyQueue() != null) {
          localEnqueue(a.readyQueue());
        }
        if (a.scheduled()) {
          onScheduledNotification.run();
        }
      });
      case "courier_job_ready" -> localEnqueue(payload);
      case "courier_job_scheduled" -> onScheduledNotification.run();
      case "courier_control" -> onControl(payload);
      default -> { }
    }
  }

  private void onControl(String payload) {
    if (payload.startsWith("cancel:")) {
      try {
        RunningJob rj = held.get(Long.parseLong(payload.substring("cancel:".length())));
        if (rj != null) {
          rj.cancel();
        }
      } catch (NumberFormatException ignored) {
        // not ours
      }
    } else if (payload.startsWith("pause:")) {
      QueueRunner r = runners.get(payload.substring("pause:".length()));
      if (r != null) {
        r.setPaused(true);
      }
    } else if (payload.startsWith("resume:")) {
      QueueRunner r = runners.get(payload.substring("resume:".length()));
      if (r != null) {
        r.setPaused(false);
      }
    }
  }

  private void onNotifierConnected() {
    // Notifications sent while we were not listening are lost: look again.
    refreshPaused();
    for (QueueRunner r : runners.values()) {
      r.wake();
    }
    onScheduledNotification.run();
  }

  private void refreshPaused() {
    try {
      Set<String> paused = queues.queuePausedNames();
      for (QueueRunner r : runners.values()) {
        boolean p = paused.contains(r.queue);
        if (p != r.paused()) {
          r.setPaused(p);
        }
      }
    } catch (SQLException | RuntimeException e) {
      log.debug("cannot read paused queues: {}", e.toString());
    }
  }

  // ------------------------------------------------------------------ shutdown

  /**
   * Stops fetching, lets running jobs finish until the deadline, interrupts the rest, writes
   * pending completions and hands every unfinished job back so another node takes it at once.
   */
  public void stop(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<RunningJob> unstarted = new ArrayList<>();
    for (QueueRunner r : runners.values()) {
      unstarted.addAll(r.stopFetching());
    }
    release(unstarted);
    while (System.nanoTime() < deadline && runningCount() > 0) {
      sleep(10);
    }
    List<RunningJob> stillRunning = new ArrayList<>();
    for (RunningJob rj : held.values()) {
      Thread t = rj.thread; // cleared by the job's own thread when it ends
      if (t != null) {
        rj.releasing = true;
        stillRunning.add(rj);
        t.interrupt();
      }
    }
    long graceDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
    while (System.nanoTime() < graceDeadline && runningCount() > 0) {
      sleep(10);
    }
    completer.stop(Math.max(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(2)));
    release(stillRunning);
    timers.shutdownNow();
    notifier.stop();
    announcer.stop();
  }

  private int runningCount() {
    int n = 0;
    for (QueueRunner r : runners.values()) {
      n += r.running();
    }
    return n;
  }

  private void release(List<RunningJob> jobs) {
    if (jobs.isEmpty()) {
      return;
    }
    long[] ids = new long[jobs.size()];
    int[] attempts = new int[jobs.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = jobs.get(i).job.id();
      attempts[i] = jobs.get(i).job.attempt();
    }
    try {
      List<StateChange> released = store.jobRelease(ids, attempts, node);
      events.emitAll(released, clock.instant());
      log.info("released jobs at shutdown count={}", released.size());
    } catch (SQLException e) {
      log.warn("cannot release {} jobs at shutdown; their leases will expire and the leader will rescue them: {}", ids.length, e.toString());
    }
    for (long id : ids) {
      held.remove(id);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
