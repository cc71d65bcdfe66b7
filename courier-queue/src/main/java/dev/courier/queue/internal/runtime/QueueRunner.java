package dev.courier.queue.internal.runtime;

import dev.courier.queue.Job;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches one queue's jobs for this node: claims in batches when woken (by a notification, a local
 * enqueue, a full claim, or the poll interval) and a claim is due (see {@link #claimDue()}), keeps up to {@code prefetch}
 * claimed jobs in a local priority buffer, and starts at most {@code concurrency} at once.
 */
final class QueueRunner {
  private static final Logger log = LoggerFactory.getLogger(QueueRunner.class);

  interface Claimer {
    List<Job> claim(String queue, int limit) throws SQLException;

    /** How long until a limiter holding back this queue's jobs may admit again, if one does. */
    java.util.Optional<java.time.Duration> nextLimiterWake(String queue) throws SQLException;

    /** Gives back jobs claimed after this runner stopped: they will not run here. */
    void releaseLate(List<RunningJob> jobs);
  }

  final String queue;
  private final int concurrency;
  private final int maxLocal;
  private final int claimAtFree;
  private final long pollNanos;
  private final Claimer claimer;
  private final Consumer<RunningJob> starter;
  private final java.util.function.Function<Job, RunningJob> holder;
  private final Object lock = new Object();
  private final PriorityQueue<RunningJob> buffer =
      new PriorityQueue<>(
          (a, b) ->
              a.job.priority() != b.job.priority()
                  ? Integer.compare(a.job.priority(), b.job.priority())
                  : Long.compare(a.job.id(), b.job.id()));
  private int running;
  /** Jobs whose worker succeeded but whose completion is not written yet (see claimDue). */
  private int completing;
  private boolean wake = true;
  /** A claim is on its way to the database (its result may hold jobs older than a hand-off). */
  private boolean claiming;
  private volatile boolean paused;
  private volatile boolean stopping;
  private volatile Thread producer;

  QueueRunner(
      String queue,
      int concurrency,
      int prefetch,
      Duration pollInterval,
      Claimer claimer,
      java.util.function.Function<Job, RunningJob> holder,
      Consumer<RunningJob> starter) {
    this.queue = queue;
    this.concurrency = concurrency;
    this.maxLocal = concurrency + prefetch;
    // Half the window, but never more than half the prefetch: with a prefetch no larger than the
    // concurrency, half the window would only be free once workers sat idle.
    this.claimAtFree = Math.max(1, Math.min(maxLocal / 2, (prefetch + 1) / 2));
    this.pollNanos = pollInterval.toNanos();
    this.claimer = claimer;
    this.holder = holder;
    this.starter = starter;
  }

  void start() {
    producer = Thread.ofPlatform().daemon().name("courier-fetch-" + queue).start(this::produce);
  }

  /** Something may be ready: claim at the next chance. */
  void wake() {
    synchronized (lock) {
      wake = true;
      lock.notifyAll();
    }
  }

  /**
   * Takes a worker place for a job enqueued by this node, to be inserted already running and
   * started without a claim ({@link #startReserved}). Granted only when this runner is started and
   * neither paused nor stopping, a worker is free, nothing is buffered, no claim is in flight and
   * none is owed: then every ready job of the queue this node was told of has been claimed, so the
   * new job overtakes none of them.
   */
  boolean tryReserve() {
    synchronized (lock) {
      if (producer == null || stopping || paused || wake || claiming || !buffer.isEmpty()
          || running >= concurrency || completing >= maxLocal) {
        return false;
      }
      running++;
      return true;
    }
  }

  /** The reserved job was not inserted: give its place back. */
  void cancelReservation() {
    synchronized (lock) {
      running--;
      startBuffered();
      signalIfClaimDue();
    }
  }

  /**
   * Starts the job inserted for a reservation; false when this runner stopped meanwhile (the job
   * did not start and its place is given back: the caller releases it).
   */
  boolean startReserved(RunningJob job) {
    synchronized (lock) {
      if (stopping) {
        running--;
        return false;
      }
      starter.accept(job);
      return true;
    }
  }

  void setPaused(boolean p) {
    synchronized (lock) {
      paused = p;
      if (!p) {
        wake = true;
      }
      lock.notifyAll();
    }
  }

  boolean paused() {
    return paused;
  }

  /**
   * A started job's worker ended: start the next buffered one. A job waiting for its completion to
   * be written is counted until it is (see {@link #claimDue()}).
   */
  void finished(boolean awaitingCompletion) {
    synchronized (lock) {
      running--;
      if (awaitingCompletion) {
        completing++;
      }
      startBuffered();
      signalIfClaimDue();
    }
  }

  /** Completions of this queue's jobs were written (or given up): their places free up. */
  void completionsWritten(int n) {
    synchronized (lock) {
      completing -= n;
      signalIfClaimDue();
    }
  }

  // Waking the fetcher for every finished job that does not make a claim due costs a context
  // switch per job; it sleeps until a claim is due, a wake-up arrives or the poll interval ends.
  private void signalIfClaimDue() {
    if (wake && claimDue()) {
      lock.notifyAll();
    }
  }

  /** Stops claiming; returns the claimed jobs that never started so they can be released. */
  List<RunningJob> stopFetching() {
    stopping = true;
    synchronized (lock) {
      lock.notifyAll();
    }
    if (producer != null) {
      try {
        producer.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (lock) {
      List<RunningJob> unstarted = new ArrayList<>(buffer);
      buffer.clear();
      return unstarted;
    }
  }

  int running() {
    synchronized (lock) {
      return running;
    }
  }

  /**
   * Whether a claim is due. Jobs waiting for their completion to be written do not take places
   * from the window (their work is done and no other node could run them), so claims and
   * completion writes overlap; they only stop claims when as many wait as the window holds, so a
   * slow writer bounds what this node takes. Under load a claim waits until half the window is
   * free, which keeps claims large; an idle worker never waits for that.
   */
  private boolean claimDue() {
    if (completing >= maxLocal) {
      return false;
    }
    int held = running + buffer.size();
    int free = maxLocal - held;
    return free > 0 && (held < concurrency || free >= claimAtFree);
  }

  private void produce() {
    long deadline = System.nanoTime() + pollNanos;
    long errorBackoffMs = 100;
    while (true) {
      int want;
      synchronized (lock) {
        while (true) {
          if (stopping) {
            return;
          }
          if (!paused && wake && claimDue()) {
            break;
          }
          long remaining = deadline - System.nanoTime();
          if (remaining <= 0) {
            wake = true;
            deadline = System.nanoTime() + pollNanos;
            continue;
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(lock, remaining);
          } catch (InterruptedException e) {
            return;
          }
        }
        wake = false;
        claiming = true;
        want = maxLocal - running - buffer.size();
      }
      List<Job> claimed;
      try {
        claimed = claimer.claim(queue, want);
        errorBackoffMs = 100;
      } catch (SQLException | RuntimeException e) {
        synchronized (lock) {
          claiming = false;
        }
        log.warn("claim failed queue={} retry_in_ms={}: {}", queue, errorBackoffMs, e.toString());
        sleepQuietly(errorBackoffMs);
        errorBackoffMs = Math.min(errorBackoffMs * 2, 5_000);
        wake();
        continue;
      }
      deadline = System.nanoTime() + pollNanos;
      if (claimed.size() < want) {
        // Jobs held back by a limiter: look again when it may admit, not a poll interval later.
        try {
          java.util.Optional<java.time.Duration> wait = claimer.nextLimiterWake(queue);
          if (wait.isPresent()) {
            long nanos = Math.max(1_000_000L, wait.get().toNanos());
            deadline = System.nanoTime() + Math.min(pollNanos, nanos);
          }
        } catch (SQLException | RuntimeException e) {
          log.debug("cannot read limiter wake time queue={}: {}", queue, e.toString());
        }
      }
      List<RunningJob> late = null;
      synchronized (lock) {
        if (stopping) {
          claiming = false;
          // stopFetching gave up waiting for this claim and already took the buffer.
          late = new ArrayList<>(claimed.size());
          for (Job j : claimed) {
            late.add(holder.apply(j));
          }
        }
      }
      if (late != null) {
        if (!late.isEmpty()) {
          claimer.releaseLate(late);
        }
        return;
      }
      synchronized (lock) {
        claiming = false;
        for (Job j : claimed) {
          buffer.add(holder.apply(j));
        }
        if (claimed.size() == want) {
          // A full batch: there are probably more waiting.
          wake = true;
        }
        startBuffered();
      }
    }
  }

  private void startBuffered() {
    while (running < concurrency && !buffer.isEmpty()) {
      RunningJob next = buffer.poll();
      running++;
      starter.accept(next);
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

}
