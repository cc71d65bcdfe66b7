package dev.courier.queue.internal.runtime;

import dev.courier.queue.JobState;
import dev.courier.queue.PeriodicJob;
import dev.courier.queue.internal.store.JobStore;
import dev.courier.queue.internal.store.LeaderStore;
import dev.courier.queue.internal.store.LimiterStore;
import dev.courier.queue.internal.store.StateChange;
import dev.courier.queue.internal.store.Wake;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election and the leader's duties: promote due jobs, rescue expired leases, fold counts,
 * clean old finalized jobs, enqueue periodic jobs. Every node runs this loop; only the elected
 * leader does the work. Any node takes over when the leader's row expires.
 */
public final class Maintenance {
  private static final Logger log = LoggerFactory.getLogger(Maintenance.class);
  private static final int PROMOTE_BATCH = 5_000;
  private static final int RESCUE_BATCH = 1_000;
  private static final int CLEAN_BATCH = 10_000;
  private static final Duration COUNT_FOLD_INTERVAL = Duration.ofSeconds(2);
  private static final Duration IDLE_ORDER_KEY_RETENTION = Duration.ofHours(1);

  /** Enqueues one tick of a periodic job; provided by the engine. */
  public interface PeriodicEnqueuer {
    void enqueueTick(PeriodicJob job, Instant tick) throws SQLException;

    void initialize(PeriodicJob job, Instant tick) throws SQLException;

    Optional<Instant> lastTick(PeriodicJob job) throws SQLException;
  }

  private final JobStore store;
  private final LeaderStore leaders;
  private final LimiterStore limiters;
  private final Clock clock;
  private final String node;
  private final EngineSettings settings;
  private final EventBus events;
  private final List<PeriodicJob> periodic;
  private final PeriodicEnqueuer enqueuer;
  private final Consumer<Wake> announce;
  private final Object lock = new Object();
  private volatile boolean leader;
  private volatile boolean stopped;
  private boolean dueChanged = true;
  private Thread thread;
  private long nextElect;
  private long nextRescue;
  private long nextClean;
  private long nextFold;
  private long nextPromote;

  public Maintenance(
      JobStore store,
      LeaderStore leaders,
      LimiterStore limiters,
      Clock clock,
      String node,
      EngineSettings settings,
      EventBus events,
      List<PeriodicJob> periodic,
      PeriodicEnqueuer enqueuer,
      Consumer<Wake> announce) {
    this.store = store;
    this.leaders = leaders;
    this.limiters = limiters;
    this.clock = clock;
    this.node = node;
    this.settings = settings;
    this.events = events;
    this.periodic = List.copyOf(periodic);
    this.enqueuer = enqueuer;
    this.announce = announce;
  }

  public boolean isLeader() {
    return leader;
  }

  public void start() {
    thread = Thread.ofPlatform().daemon().name("courier-maintenance").start(this::loop);
  }

  /** A job became scheduled or retryable somewhere: the next due time may have moved. */
  public void dueChanged() {
    synchronized (lock) {
      dueChanged = true;
      lock.notifyAll();
    }
  }

  public void stop() {
    stopped = true;
    synchronized (lock) {
      lock.notifyAll();
    }
    if (thread != null) {
      try {
        thread.join(3_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (leader) {
      try {
        leaders.leaderResign(node);
      } catch (SQLException e) {
        log.warn("cannot resign leadership; another node takes over when it expires: {}", e.toString());
      }
      leader = false;
    }
  }

  private void loop() {
    while (!stopped) {
      try {
        runOnce(false);
      } catch (RuntimeException e) {
        log.warn("maintenance pass failed: {}", e.toString());
      }
      synchronized (lock) {
        long wait = Math.max(1, Math.min(nextPromote, Math.min(nextElect, Math.min(nextRescue, nextFold))) - System.nanoTime());
        if (!dueChanged && !stopped) {
          try {
            lock.wait(Math.max(1, wait / 1_000_000), 0);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }
  }

  /**
   * One pass: elect, then do whatever duty is due. With {@code force} every duty runs now (tests
   * move the clock and call this instead of waiting).
   */
  public void runOnce(boolean force) {
    long t = System.nanoTime();
    if (force || t >= nextElect) {
      boolean was = leader;
      try {
        leader = leaders.leaderTryElect(node, clock.instant(), settings.leaderTtl());
      } catch (SQLException e) {
        leader = false;
        log.warn("leader election failed node={}: {}", node, e.toString());
      }
      if (leader != was) {
        log.info(leader ? "became leader node={}" : "lost leadership node={}", node);
      }
      nextElect = t + settings.leaderTtl().toNanos() / 3;
    }
    if (!leader) {
      nextPromote = nextRescue = nextFold = nextClean = nextElect;
      return;
    }
    boolean due;
    synchronized (lock) {
      due = dueChanged;
      dueChanged = false;
    }
    if (force || due || t >= nextPromote) {
      expireHolds();
      promote();
    }
    if (force || t >= nextRescue) {
      rescue();
      nextRescue = t + settings.rescueInterval().toNanos();
    }
    if (force || t >= nextFold) {
      try {
        store.jobCountsFold();
      } catch (SQLException e) {
        log.warn("cannot fold job counts: {}", e.toString());
      }
      nextFold = t + COUNT_FOLD_INTERVAL.toNanos();
    }
    if (force || t >= nextClean) {
      clean();
      nextClean = t + settings.cleanInterval().toNanos();
    }
    runPeriodic();
  }

  private void promote() {
    try {
      Instant now = clock.instant();
      List<StateChange> promoted;
      do {
        JobStore.Changed changed = store.jobPromoteDue(now, PROMOTE_BATCH);
        promoted = changed.changes();
        announce.accept(changed.wake());
        events.emitAll(promoted, now);
      } while (promoted.size() == PROMOTE_BATCH);
      Optional<Instant> next = store.jobNextDue();
      long maxWait = settings.promoteInterval().toNanos();
      long wait = next.map(n -> Duration.between(clock.instant(), n).toNanos()).orElse(maxWait);
      nextPromote = System.nanoTime() + Math.max(1_000_000L, Math.min(wait, maxWait));
    } catch (SQLException e) {
      log.warn("cannot promote due jobs: {}", e.toString());
      nextPromote = System.nanoTime() + settings.promoteInterval().toNanos();
    }
  }

  private void expireHolds() {
    try {
      int n;
      do {
        n = store.orderExpireHolds(clock.instant(), 1_000);
      } while (n == 1_000);
    } catch (SQLException e) {
      log.warn("cannot expire held order keys: {}", e.toString());
    }
  }

  private void rescue() {
    try {
      Instant now = clock.instant();
      List<StateChange> rescued;
      do {
        rescued = store.jobRescueExpired(now, RESCUE_BATCH);
        if (!rescued.isEmpty()) {
          log.warn("rescued jobs whose lease expired count={}", rescued.size());
          events.emitAll(rescued, now);
          dueChanged();
        }
      } while (rescued.size() == RESCUE_BATCH);
    } catch (SQLException e) {
      log.warn("cannot rescue expired jobs: {}", e.toString());
    }
  }

  private void clean() {
    Instant now = clock.instant();
    cleanState(JobState.COMPLETED, now.minus(settings.completedRetention()));
    cleanState(JobState.CANCELLED, now.minus(settings.cancelledRetention()));
    cleanState(JobState.DISCARDED, now.minus(settings.discardedRetention()));
    try {
      store.orderCleanIdle(now.minus(IDLE_ORDER_KEY_RETENTION), CLEAN_BATCH);
    } catch (SQLException e) {
      log.warn("cannot clean idle order keys: {}", e.toString());
    }
    try {
      // Distinct quotas look back at most one calendar day or 24 h: two days is past both.
      limiters.limiterCleanDistinct(now.minus(Duration.ofDays(2)), CLEAN_BATCH);
    } catch (SQLException e) {
      log.warn("cannot clean counted limiter values: {}", e.toString());
    }
  }

  private void cleanState(JobState state, Instant before) {
    try {
      int total = 0;
      int n;
      do {
        n = store.jobCleanBatch(state, before, CLEAN_BATCH);
        total += n;
      } while (n == CLEAN_BATCH && !stopped);
      if (total > 0) {
        log.info("cleaned finalized jobs state={} count={}", state.wireName(), total);
      }
    } catch (SQLException e) {
      log.warn("cannot clean {} jobs: {}", state.wireName(), e.toString());
    }
  }

  private void runPeriodic() {
    Instant now = clock.instant();
    for (PeriodicJob p : periodic) {
      try {
        Instant latest = p.schedule().previousOrSame(now);
        if (latest == null) {
          continue;
        }
        Optional<Instant> last = enqueuer.lastTick(p);
        if (last.isEmpty()) {
          enqueuer.initialize(p, latest);
        } else if (latest.isAfter(last.get())) {
          enqueuer.enqueueTick(p, latest);
        }
      } catch (SQLException | RuntimeException e) {
        log.warn("periodic job failed to enqueue name={}: {}", p.name(), e.toString());
      }
    }
  }
}
