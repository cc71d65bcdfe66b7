package dev.courier.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.queue.internal.Json;
import dev.courier.queue.internal.runtime.EngineSettings;
import dev.courier.queue.internal.runtime.EventBus;
import dev.courier.queue.internal.runtime.Maintenance;
import dev.courier.queue.internal.runtime.NodeRuntime;
import dev.courier.queue.internal.runtime.WorkerRegistration;
import dev.courier.queue.internal.store.JobStore;
import dev.courier.queue.internal.store.LeaderStore;
import dev.courier.queue.internal.store.LimiterStore;
import dev.courier.queue.internal.store.NewJob;
import dev.courier.queue.internal.store.PeriodicStore;
import dev.courier.queue.internal.store.QueueStore;
import dev.courier.queue.internal.store.StateChange;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable job engine on PostgreSQL. One instance per process: it enqueues jobs (alone, in
 * batches, or inside the caller's transaction), runs the registered workers for its queues, and
 * takes part in leader election for maintenance. Many instances may share one database.
 *
 * <pre>{@code
 * CourierQueue queue = CourierQueue.builder(dataSource)
 *     .queue("default", 10)
 *     .worker("email", EmailArgs.class, ctx -> send(ctx.args()))
 *     .build();
 * queue.start();
 * queue.enqueue(JobRequest.of("email", new EmailArgs("a@b.c")));
 * }</pre>
 *
 * <p>The schema is applied with Flyway from {@code classpath:db/courier-queue} (history table
 * {@code courier_queue_schema_history}) before the engine starts.
 */
public final class CourierQueue implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CourierQueue.class);

  private final DataSource dataSource;
  private final Clock clock;
  private final String nodeId;
  private final ObjectMapper json;
  private final JobStore jobs;
  private final QueueStore queues;
  private final LimiterStore limiters;
  private final PeriodicStore periodicStore = new PeriodicStore();
  private final EventBus events = new EventBus();
  private final Set<String> knownKinds;
  private final NodeRuntime runtime;
  private final Maintenance maintenance;
  private final boolean runMaintenance;
  private volatile boolean started;
  private volatile boolean stopped;

  private CourierQueue(Builder b) {
    this.dataSource = b.dataSource;
    this.clock = b.clock;
    this.nodeId = b.nodeId != null ? b.nodeId : defaultNodeId();
    this.json = b.json != null ? b.json : Json.newMapper();
    this.jobs = new JobStore(dataSource, json);
    this.queues = new QueueStore(dataSource);
    this.limiters = new LimiterStore(dataSource);
    this.knownKinds = new LinkedHashSet<>(b.knownKinds);
    this.knownKinds.addAll(b.workers.keySet());
    b.listeners.forEach(events::add);
    EngineSettings settings =
        new EngineSettings(
            b.pollInterval, b.leaseDuration, b.leaseRenewInterval, b.leaderTtl, b.promoteInterval,
            b.rescueInterval, b.cleanInterval, b.completedRetention, b.cancelledRetention,
            b.discardedRetention, b.completionBatch);
    List<QueueConfig> queueConfigs = new ArrayList<>(b.queues.values());
    if (queueConfigs.isEmpty() && !b.workers.isEmpty()) {
      queueConfigs.add(QueueConfig.of(JobRequest.DEFAULT_QUEUE, 10));
    }
    this.runtime =
        new NodeRuntime(jobs, queues, json, clock, nodeId, settings, events, b.workers, queueConfigs);
    this.runMaintenance = b.runMaintenance;
    this.maintenance =
        new Maintenance(
            jobs, new LeaderStore(dataSource), limiters, clock, nodeId, settings, events, b.periodic,
            new PeriodicEnqueue(), runtime::announce);
    runtime.onScheduledNotification(maintenance::dueChanged);
  }

  public static Builder builder(DataSource dataSource) {
    return new Builder(dataSource);
  }

  /** Starts fetching, running, renewing leases and (if enabled) maintenance. */
  public synchronized void start() {
    if (started) {
      return;
    }
    started = true;
    runtime.start();
    if (runMaintenance) {
      maintenance.start();
    }
    log.info("courier-queue started node={}", nodeId);
  }

  /**
   * Stops gracefully: no new claims, running jobs get until {@code timeout} to finish, then are
   * interrupted; pending completions are written and unfinished jobs handed back at once.
   */
  public synchronized void stop(Duration timeout) {
    if (!started || stopped) {
      return;
    }
    stopped = true;
    runtime.stop(timeout);
    maintenance.stop();
    log.info("courier-queue stopped node={}", nodeId);
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(10));
  }

  public String nodeId() {
    return nodeId;
  }

  public Clock clock() {
    return clock;
  }

  /** Whether this node currently runs the cluster's maintenance. */
  public boolean isLeader() {
    return maintenance.isLeader();
  }

  /** Adds a listener for job state changes made by this node. */
  public void addListener(JobEventListener listener) {
    events.add(listener);
  }

  // ---------------------------------------------------------------- enqueue

  /**
   * Enqueues one job in its own transaction. When this node runs the job's kind and queue, and
   * that queue has a free worker and no ready job waiting for this node, the job is committed
   * already running on this node and its worker starts right after the commit, without a claim;
   * a job with a delay, an order key, limiters or a unique key always goes through the claim.
   */
  public EnqueueResult enqueue(JobRequest request) {
    return enqueueMany(List.of(request)).get(0);
  }

  /** Enqueues many jobs in one statement and one transaction; results in request order. */
  public List<EnqueueResult> enqueueMany(List<JobRequest> requests) {
    if (requests.isEmpty()) {
      return List.of();
    }
    List<NewJob> rows = prepare(requests);
    Instant now = clock.instant();
    try {
      if (rows.size() == 1) {
        // A job this node can start at once goes to its worker without a claim.
        long id = runtime.handOff(rows.get(0));
        if (id >= 0) {
          return List.of(new EnqueueResult(id, false));
        }
      }
    } catch (SQLException e) {
      throw new QueueException("cannot enqueue 1 job of kind " + requests.get(0).kind(), e);
    }
    try (Connection c = dataSource.getConnection()) {
      JobStore.Inserted inserted = jobs.jobInsertMany(c, rows, now, true);
      if (!c.getAutoCommit()) {
        c.commit();
      }
      afterInsert(rows, inserted, now, true);
      return inserted.results();
    } catch (SQLException e) {
      throw new QueueException("cannot enqueue " + requests.size() + " job(s) of kind " + requests.get(0).kind(), e);
    }
  }

  /**
   * Enqueues one job on the caller's connection, inside its transaction: the job exists only if
   * that transaction commits. Workers are woken by the database's notification at commit.
   */
  public EnqueueResult enqueue(Connection connection, JobRequest request) throws SQLException {
    return enqueueMany(connection, List.of(request)).get(0);
  }

  /**
   * Enqueues many jobs on the caller's connection, inside its transaction. Workers are woken by
   * the database's notification at commit; under many concurrent committers prefer {@link
   * #enqueueMany(Connection, List, AfterCommit)}.
   */
  public List<EnqueueResult> enqueueMany(Connection connection, List<JobRequest> requests)
      throws SQLException {
    if (requests.isEmpty()) {
      return List.of();
    }
    List<NewJob> rows = prepare(requests);
    Instant now = clock.instant();
    JobStore.Inserted inserted = jobs.jobInsertMany(connection, rows, now, false);
    if (connection.getAutoCommit()) {
      afterInsert(rows, inserted, now, false);
    }
    return inserted.results();
  }

  /**
   * Starts collecting the wake-ups of jobs enqueued in one caller transaction with {@link
   * #enqueueMany(Connection, List, AfterCommit)}; run it once that transaction committed.
   */
  public AfterCommit afterCommit() {
    return new AfterCommit();
  }

  /**
   * Completes several jobs running on this node inside the caller's transaction, in one statement:
   * {@link JobContext#completeWithin(Connection)} for many workers whose writes share one
   * transaction (group commit), so the completions and what follows them (an order key handed to
   * its next job) cost one statement, not one each. Returns, in the order of {@code jobs}, whether
   * each was still held by this node and is completed when the transaction commits; for the others
   * (lease lost, job rescued elsewhere) nothing changed. Each worker then returns normally.
   *
   * @throws IllegalArgumentException when a context is not a job running on this node
   */
  public boolean[] completeWithin(Connection connection, List<? extends JobContext<?>> jobs) throws SQLException {
    return runtime.completeWithin(connection, jobs);
  }

  /** {@link #enqueueMany(Connection, List, AfterCommit)} for one job. */
  public EnqueueResult enqueue(Connection connection, JobRequest request, AfterCommit afterCommit)
      throws SQLException {
    return enqueueMany(connection, List.of(request), afterCommit).get(0);
  }

  /**
   * Enqueues many jobs inside the caller's transaction without a database notification at its
   * commit. A transaction that notifies holds a database-wide lock through its commit, fsync
   * included, so concurrent notifying commits run one at a time; this variant leaves the waking
   * to {@code afterCommit}, which the caller runs once the transaction committed: this node's
   * workers start at once and other nodes are told outside any writing transaction. If the caller
   * never runs it (a crash right after the commit), the jobs are found by the next poll.
   */
  public List<EnqueueResult> enqueueMany(Connection connection, List<JobRequest> requests, AfterCommit afterCommit)
      throws SQLException {
    if (afterCommit == null) {
      throw new IllegalArgumentException("afterCommit: must not be null");
    }
    if (requests.isEmpty()) {
      return List.of();
    }
    List<NewJob> rows = prepare(requests);
    Instant now = clock.instant();
    JobStore.Inserted inserted = jobs.jobInsertMany(connection, rows, now, true);
    afterCommit.add(() -> afterInsert(rows, inserted, clock.instant(), true));
    return inserted.results();
  }

  private void afterInsert(List<NewJob> rows, JobStore.Inserted inserted, Instant now, boolean deferred) {
    List<EnqueueResult> results = inserted.results();
    Set<String> woken = new LinkedHashSet<>();
    boolean scheduled = false;
    for (int i = 0; i < rows.size(); i++) {
      NewJob r = rows.get(i);
      EnqueueResult res = results.get(i);
      if (res.duplicate()) {
        continue;
      }
      if (r.state() == JobState.AVAILABLE) {
        woken.add(r.queue());
      } else {
        scheduled = true;
      }
      events.emit(new StateChange(res.id(), r.queue(), r.kind(), null, r.state(), 0), now);
    }
    if (deferred) {
      // What the triggers recorded: the queues of these rows and of any job the insert ungated.
      runtime.announce(inserted.wake());
    } else {
      // The database notified every node at commit; this node need not wait for it.
      woken.forEach(runtime::localEnqueue);
      if (scheduled) {
        maintenance.dueChanged();
      }
    }
  }

  private List<NewJob> prepare(List<JobRequest> requests) {
    Instant now = clock.instant();
    List<NewJob> rows = new ArrayList<>(requests.size());
    for (int i = 0; i < requests.size(); i++) {
      rows.add(prepare(requests.get(i), now, requests.size() > 1 ? "[" + i + "]." : ""));
    }
    return rows;
  }

  private NewJob prepare(JobRequest r, Instant now, String path) {
    if (r == null) {
      throw new InvalidJobException(path.isEmpty() ? "request" : path.substring(0, path.length() - 1), "must not be null");
    }
    if (r.kind() == null || r.kind().isBlank() || r.kind().length() > 128) {
      throw new InvalidJobException(path + "kind", "must be 1-128 characters");
    }
    if (!knownKinds.isEmpty() && !knownKinds.contains(r.kind())) {
      throw new InvalidJobException(path + "kind", "no worker is registered for kind '" + r.kind() + "'");
    }
    if (r.queue() == null || r.queue().isBlank() || r.queue().length() > 128) {
      throw new InvalidJobException(path + "queue", "must be 1-128 characters");
    }
    if (r.priority() < 0 || r.priority() > 9) {
      throw new InvalidJobException(path + "priority", r.priority() + " is out of range 0-9");
    }
    if (r.maxAttempts() < 1 || r.maxAttempts() > Short.MAX_VALUE) {
      throw new InvalidJobException(path + "maxAttempts", "must be at least 1 (and at most 32767), was " + r.maxAttempts());
    }
    if (r.delay() != null && r.delay().isNegative()) {
      throw new InvalidJobException(path + "delay", "must not be negative, was " + r.delay());
    }
    if (r.delay() != null && r.runAt() != null) {
      throw new InvalidJobException(path + "delay", "give either runAt or delay, not both");
    }
    if (r.uniqueWindow() != null && (r.uniqueWindow().isZero() || r.uniqueWindow().isNegative())) {
      throw new InvalidJobException(path + "uniqueWindow", "must be positive, was " + r.uniqueWindow());
    }
    if (r.uniqueKey() != null && (r.uniqueKey().isBlank() || r.uniqueKey().length() > 512)) {
      throw new InvalidJobException(path + "uniqueKey", "must be 1-512 characters");
    }
    if (r.limiterKeys() != null) {
      for (String k : r.limiterKeys()) {
        if (k == null || k.isBlank() || k.length() > 512) {
          throw new InvalidJobException(path + "limiterKeys", "each key must be 1-512 characters");
        }
      }
    }
    if (r.args() == null) {
      throw new InvalidJobException(path + "args", "must not be null");
    }
    String args;
    if (r.args() instanceof JobRequest.RawJson raw) {
      try {
        json.readTree(raw.json());
      } catch (Exception e) {
        throw new InvalidJobException(path + "args", "is not valid JSON: " + e.getMessage(), e);
      }
      args = raw.json();
    } else {
      try {
        args = json.writeValueAsString(r.args());
      } catch (Exception e) {
        throw new InvalidJobException(path + "args", "cannot be written as JSON: " + e.getMessage(), e);
      }
    }
    String metadata;
    try {
      metadata = r.metadata() == null || r.metadata().isEmpty() ? null : json.writeValueAsString(r.metadata());
    } catch (Exception e) {
      throw new InvalidJobException(path + "metadata", "cannot be written as JSON: " + e.getMessage(), e);
    }
    Instant start = now;
    if (r.runAt() != null) {
      start = r.runAt().isAfter(now) ? r.runAt() : now;
    } else if (r.delay() != null) {
      start = now.plus(r.delay());
    }
    JobState state = start.isAfter(now) ? JobState.SCHEDULED : JobState.AVAILABLE;
    String window = null;
    if (r.uniqueKey() != null && r.uniqueWindow() != null) {
      long size = r.uniqueWindow().toMillis();
      long bucket = Math.floorDiv(now.toEpochMilli(), size) * size;
      window = r.uniqueKey() + "@" + Instant.ofEpochMilli(bucket);
    }
    OrderKey order = r.orderKey();
    if (order != null) {
      if (order.key().isBlank() || order.key().length() > 512) {
        throw new InvalidJobException(path + "orderKey", "must be 1-512 characters");
      }
      checkNotNegative(path + "orderKey.hold", order.hold());
      checkNotNegative(path + "orderKey.delay", order.delay());
      checkNotNegative(path + "orderKey.jitter", order.jitter());
    }
    return new NewJob(
        state, r.queue(), r.kind(), args, r.priority(), r.maxAttempts(), start,
        r.uniqueWindow() == null ? r.uniqueKey() : null, window,
        r.tags() == null ? List.of() : r.tags(), metadata,
        order == null ? null : order.key(),
        order == null ? null : order.hold(),
        order == null ? null : order.delay(),
        order == null ? null : order.jitter(),
        r.limiterKeys(),
        r.limitValue());
  }

  private static void checkNotNegative(String field, Duration d) {
    if (d != null && d.isNegative()) {
      throw new InvalidJobException(field, "must not be negative, was " + d);
    }
  }

  // ---------------------------------------------------------------- admin

  /** One job with its error history, or empty. */
  public Optional<Job> job(long id) {
    return call("get job " + id, () -> jobs.jobGet(id));
  }

  /** Jobs matching a filter, newest first, cursor-paged. */
  public Page<Job> jobs(JobQuery query) {
    return call("list jobs", () -> jobs.jobList(query));
  }

  /** Reads a job's arguments as the given type. */
  public <A> A readArgs(Job job, Class<A> type) {
    try {
      return json.readValue(job.argsJson(), type);
    } catch (Exception e) {
      throw new IllegalArgumentException("args of job " + job.id() + " do not read as " + type.getSimpleName(), e);
    }
  }

  /**
   * Cancels a job. A waiting job is cancelled at once; a running one is told through its context
   * and its thread is interrupted, and becomes {@code cancelled} when its worker returns or fails.
   *
   * @return the job's state after the call, or empty if it does not exist
   */
  public Optional<JobState> cancel(long id) {
    return call("cancel job " + id, () -> {
      Instant now = clock.instant();
      Optional<StateChange> change = jobs.jobCancel(id, now);
      if (change.isPresent()) {
        if (change.get().to() == JobState.CANCELLED) {
          events.emit(change.get(), now);
        }
        return Optional.of(change.get().to());
      }
      return jobs.jobState(id);
    });
  }

  /** Runs a waiting, failed, cancelled or completed job again now. False if it runs or is gone. */
  public boolean retry(long id) {
    return call("retry job " + id, () -> {
      Instant now = clock.instant();
      Optional<StateChange> change = jobs.jobRetry(id, now);
      change.ifPresent(c -> {
        events.emit(c, now);
        runtime.localEnqueue(c.queue());
      });
      return change.isPresent();
    });
  }

  /** Discards a waiting job (it will not run). False if it runs, has finished, or is gone. */
  public boolean discard(long id) {
    return call("discard job " + id, () -> {
      Instant now = clock.instant();
      Optional<StateChange> change = jobs.jobDiscard(id, now);
      change.ifPresent(c -> events.emit(c, now));
      return change.isPresent();
    });
  }

  /** Deletes a job that is not running. */
  public boolean delete(long id) {
    return call("delete job " + id, () -> jobs.jobDelete(id));
  }

  /** Makes every discarded job of a queue available again; returns how many. */
  public int retryDiscarded(String queue) {
    return call("retry discarded jobs of queue " + queue, () -> {
      int total = 0;
      int n;
      do {
        n = jobs.jobRetryDiscarded(queue, 10_000, clock.instant());
        total += n;
      } while (n == 10_000);
      if (total > 0) {
        runtime.localEnqueue(queue);
      }
      return total;
    });
  }

  /** Deletes finalized jobs in {@code state} finalized more than {@code olderThan} ago. */
  public int clean(JobState state, Duration olderThan) {
    if (!state.isFinal()) {
      throw new IllegalArgumentException("state: only completed, cancelled or discarded jobs can be cleaned, not " + state.wireName());
    }
    if (olderThan.isNegative()) {
      throw new IllegalArgumentException("olderThan: must not be negative, was " + olderThan);
    }
    return call("clean " + state.wireName() + " jobs", () -> {
      Instant before = clock.instant().minus(olderThan);
      int total = 0;
      int n;
      do {
        n = jobs.jobCleanBatch(state, before, 10_000);
        total += n;
      } while (n == 10_000);
      return total;
    });
  }

  /** {@link #clean(JobState, Duration)} for one queue only. */
  public int clean(String queue, JobState state, Duration olderThan) {
    if (queue == null || queue.isBlank()) {
      throw new IllegalArgumentException("queue: must not be blank");
    }
    if (!state.isFinal()) {
      throw new IllegalArgumentException("state: only completed, cancelled or discarded jobs can be cleaned, not " + state.wireName());
    }
    if (olderThan.isNegative()) {
      throw new IllegalArgumentException("olderThan: must not be negative, was " + olderThan);
    }
    return call("clean " + state.wireName() + " jobs of queue " + queue, () -> {
      Instant before = clock.instant().minus(olderThan);
      int total = 0;
      int n;
      do {
        n = jobs.jobCleanQueueBatch(queue, state, before, 10_000);
        total += n;
      } while (n == 10_000);
      return total;
    });
  }

  /** Pauses a queue on every node (takes effect within a second). */
  public void pause(String queue) {
    call("pause queue " + queue, () -> {
      queues.queueSetPaused(queue, true, clock.instant());
      return null;
    });
  }

  /** Resumes a paused queue on every node. */
  public void resume(String queue) {
    call("resume queue " + queue, () -> {
      queues.queueSetPaused(queue, false, clock.instant());
      return null;
    });
  }

  /** Counts by state for every queue that has jobs or a pause flag. */
  public List<QueueStats> queueStats() {
    return call("read queue counts", () -> {
      Map<String, Map<JobState, Long>> counts = jobs.jobCounts();
      Set<String> paused = queues.queuePausedNames();
      Set<String> names = new LinkedHashSet<>(counts.keySet());
      names.addAll(queues.queueKnownNames());
      List<QueueStats> stats = new ArrayList<>();
      for (String name : names.stream().sorted().toList()) {
        stats.add(new QueueStats(name, Map.copyOf(counts.getOrDefault(name, JobStore.zeroCounts())), paused.contains(name)));
      }
      return stats;
    });
  }

  /**
   * Releases the order key a completed job holds (jobs enqueued with {@link OrderKey#hold()}), so
   * the next job of the key may start. Safe to call before the job completes (the key is then not
   * held at all) and more than once.
   *
   * @return true when a held key was freed by this call
   */
  public boolean releaseOrderKey(long jobId) {
    return call("release the order key of job " + jobId, () -> {
      boolean freed = jobs.orderRelease(jobId);
      if (freed) {
        maintenance.dueChanged();
      }
      return freed;
    });
  }

  /**
   * Sets the limiter for a key, or for every key starting with a prefix when {@code pattern} ends
   * in {@code *} (the longest matching pattern wins). Applies on every node at its next claim.
   */
  public void setLimiter(String pattern, LimiterConfig config) {
    if (pattern == null || pattern.isBlank() || pattern.length() > 512) {
      throw new IllegalArgumentException("pattern: must be 1-512 characters");
    }
    Objects.requireNonNull(config, "config");
    call("set limiter " + pattern, () -> {
      limiters.limiterPut(pattern, config, clock.instant());
      return null;
    });
  }

  /** Removes a limiter configuration; its keys run unlimited (or by a shorter prefix) from now. */
  public boolean removeLimiter(String pattern) {
    return call("remove limiter " + pattern, () -> limiters.limiterDelete(pattern));
  }

  /** Every limiter configuration by pattern. */
  public Map<String, LimiterConfig> limiters() {
    return call("list limiters", limiters::limiterList);
  }

  /** Keys whose head job failed and waits for a retry, in key order after {@code afterKey}. */
  public List<BlockedOrderKey> blockedOrderKeys(String afterKey, int limit) {
    if (limit < 1 || limit > 1000) {
      throw new IllegalArgumentException("limit: " + limit + " is out of range 1-1000");
    }
    return call("list blocked order keys", () -> jobs.orderBlocked(afterKey, limit));
  }

  /** Runs one maintenance pass now (election and every duty); for tests and tools. */
  public void runMaintenanceNow() {
    maintenance.runOnce(true);
  }

  // ---------------------------------------------------------------- internals

  private interface SqlCall<T> {
    T run() throws SQLException;
  }

  private static <T> T call(String what, SqlCall<T> call) {
    try {
      return call.run();
    } catch (SQLException e) {
      throw new QueueException("cannot " + what, e);
    }
  }

  private final class PeriodicEnqueue implements Maintenance.PeriodicEnqueuer {
    @Override
    public void enqueueTick(PeriodicJob p, Instant tick) throws SQLException {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(false);
        try {
          if (periodicStore.periodicAdvance(c, p.name(), tick)) {
            JobRequest r = p.job();
            if (r.runAt() == null && r.delay() == null) {
              r = r.withRunAt(tick);
            }
            List<NewJob> rows = List.of(prepare(r, clock.instant(), ""));
            JobStore.Inserted res = jobs.jobInsertMany(c, rows, clock.instant(), true);
            c.commit();
            afterInsert(rows, res, clock.instant(), true);
            log.info("periodic job enqueued name={} tick={} job={}", p.name(), tick, res.results().get(0).id());
          } else {
            c.rollback();
          }
        } catch (SQLException | RuntimeException e) {
          c.rollback();
          throw e;
        } finally {
          c.setAutoCommit(true);
        }
      }
    }

    @Override
    public void initialize(PeriodicJob p, Instant tick) throws SQLException {
      try (Connection c = dataSource.getConnection()) {
        periodicStore.periodicInit(c, p.name(), tick);
      }
    }

    @Override
    public Optional<Instant> lastTick(PeriodicJob p) throws SQLException {
      try (Connection c = dataSource.getConnection()) {
        return periodicStore.periodicLastTick(c, p.name());
      }
    }
  }

  private static String defaultNodeId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      host = "node";
    }
    String pid = ManagementFactory.getRuntimeMXBean().getName().split("@")[0];
    return host + "-" + pid + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Configures a {@link CourierQueue}. Defaults are named constants; every value is checked. */
  public static final class Builder {
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_LEADER_TTL = Duration.ofSeconds(15);
    public static final Duration DEFAULT_PROMOTE_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RESCUE_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_CLEAN_INTERVAL = Duration.ofMinutes(1);
    public static final Duration DEFAULT_COMPLETED_RETENTION = Duration.ofHours(24);
    public static final Duration DEFAULT_CANCELLED_RETENTION = Duration.ofDays(7);
    public static final Duration DEFAULT_DISCARDED_RETENTION = Duration.ofDays(7);
    public static final int DEFAULT_COMPLETION_BATCH = 2_000;

    private final DataSource dataSource;
    private Clock clock = Clock.systemUTC();
    private String nodeId;
    private ObjectMapper json;
    private final Map<String, QueueConfig> queues = new LinkedHashMap<>();
    private final Map<String, WorkerRegistration<?>> workers = new LinkedHashMap<>();
    private final Set<String> knownKinds = new LinkedHashSet<>();
    private final List<JobEventListener> listeners = new ArrayList<>();
    private final List<PeriodicJob> periodic = new ArrayList<>();
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration leaseDuration = DEFAULT_LEASE;
    private Duration leaseRenewInterval;
    private Duration leaderTtl = DEFAULT_LEADER_TTL;
    private Duration promoteInterval = DEFAULT_PROMOTE_INTERVAL;
    private Duration rescueInterval = DEFAULT_RESCUE_INTERVAL;
    private Duration cleanInterval = DEFAULT_CLEAN_INTERVAL;
    private Duration completedRetention = DEFAULT_COMPLETED_RETENTION;
    private Duration cancelledRetention = DEFAULT_CANCELLED_RETENTION;
    private Duration discardedRetention = DEFAULT_DISCARDED_RETENTION;
    private int completionBatch = DEFAULT_COMPLETION_BATCH;
    private boolean runMaintenance = true;

    private Builder(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    public Builder clock(Clock c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    public Builder nodeId(String id) {
      this.nodeId = id;
      return this;
    }

    public Builder objectMapper(ObjectMapper m) {
      this.json = m;
      return this;
    }

    /** Runs a queue on this node with the given concurrency (and default prefetch). */
    public Builder queue(String name, int concurrency) {
      return queue(QueueConfig.of(name, concurrency));
    }

    public Builder queue(QueueConfig config) {
      queues.put(config.name(), config);
      return this;
    }

    public <A> Builder worker(String kind, Class<A> argsType, Worker<A> worker) {
      return worker(kind, argsType, worker, WorkerOptions.defaults());
    }

    public <A> Builder worker(String kind, Class<A> argsType, Worker<A> worker, WorkerOptions options) {
      if (kind == null || kind.isBlank()) {
        throw new IllegalArgumentException("kind: must not be blank");
      }
      workers.put(kind, new WorkerRegistration<>(kind, argsType, worker, options));
      return this;
    }

    /** Declares a kind this node may enqueue but does not run (client-only nodes). */
    public Builder knownKind(String kind) {
      knownKinds.add(kind);
      return this;
    }

    public Builder listener(JobEventListener l) {
      listeners.add(l);
      return this;
    }

    public Builder periodic(PeriodicJob p) {
      periodic.add(p);
      return this;
    }

    public Builder pollInterval(Duration d) {
      this.pollInterval = positive("pollInterval", d);
      return this;
    }

    public Builder leaseDuration(Duration d) {
      this.leaseDuration = positive("leaseDuration", d);
      return this;
    }

    public Builder leaseRenewInterval(Duration d) {
      this.leaseRenewInterval = positive("leaseRenewInterval", d);
      return this;
    }

    public Builder leaderTtl(Duration d) {
      this.leaderTtl = positive("leaderTtl", d);
      return this;
    }

    public Builder promoteInterval(Duration d) {
      this.promoteInterval = positive("promoteInterval", d);
      return this;
    }

    public Builder rescueInterval(Duration d) {
      this.rescueInterval = positive("rescueInterval", d);
      return this;
    }

    public Builder cleanInterval(Duration d) {
      this.cleanInterval = positive("cleanInterval", d);
      return this;
    }

    public Builder retention(Duration completed, Duration cancelled, Duration discarded) {
      this.completedRetention = positive("completedRetention", completed);
      this.cancelledRetention = positive("cancelledRetention", cancelled);
      this.discardedRetention = positive("discardedRetention", discarded);
      return this;
    }

    public Builder completionBatch(int n) {
      if (n < 1 || n > 50_000) {
        throw new IllegalArgumentException("completionBatch: must be 1-50000, was " + n);
      }
      this.completionBatch = n;
      return this;
    }

    /** Whether this node takes part in leader election and maintenance (default true). */
    public Builder runMaintenance(boolean run) {
      this.runMaintenance = run;
      return this;
    }

    public CourierQueue build() {
      if (leaseRenewInterval == null) {
        leaseRenewInterval = leaseDuration.dividedBy(3);
      }
      if (leaseRenewInterval.compareTo(leaseDuration) >= 0) {
        throw new IllegalArgumentException(
            "leaseRenewInterval: must be shorter than leaseDuration " + leaseDuration + ", was " + leaseRenewInterval);
      }
      for (WorkerRegistration<?> w : workers.values()) {
        Objects.requireNonNull(w.argsType(), "argsType of kind " + w.kind());
      }
      return new CourierQueue(this);
    }

    private static Duration positive(String name, Duration d) {
      if (d == null || d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + ": must be positive, was " + d);
      }
      return d;
    }
  }
}
