package dev.courier.whatsapp.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: concurrent callers hand an item to a committer and wait; a committer takes
 * everything pending (up to {@code maxBatch} items), runs the batch work on all of them in ONE
 * transaction, commits once, and answers each caller with its own result. An item is answered only
 * after the commit that holds it, so a caller sees what a transaction of its own would have given
 * it, at one durable commit (one WAL flush) per batch instead of one per item. Nothing waits for a
 * batch to fill: an idle committer takes a lone item at once, and batches form while the previous
 * commit is in flight; several committers run so that one collects while another waits for its
 * flush.
 *
 * <p>The batch work must give each item the outcome a batch of that item alone would give it, and
 * keep its side effects inside the transaction or in what it returns (an item may be processed
 * twice, see below). When the shared transaction fails on something one item may have caused (a
 * constraint, a data error, a deadlock, an aborted transaction, a runtime error), nothing of it
 * committed and every caller runs its item again alone, in a transaction of its own; when the
 * database cannot be reached, every caller gets the error, as it would have alone.
 *
 * @param <I> what a caller hands over
 * @param <O> what it gets back, per item
 */
public final class BatchCommitter<I, O> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BatchCommitter.class);

  /** The work of one batch: one result per item, in the items' order. */
  @FunctionalInterface
  public interface BatchWork<I, O> {
    List<O> run(Connection conn, List<I> items) throws SQLException;
  }

  /** How a caller processes its item alone (its shared transaction failed, or no committer runs). */
  @FunctionalInterface
  public interface Alone<I, O> {
    O run(I item) throws SQLException;
  }

  /** A item whose shared transaction failed: its caller runs it alone. */
  private static final class RunAlone extends RuntimeException {
    RunAlone() {
      super("run alone", null, false, false);
    }
  }

  private static final RunAlone RUN_ALONE = new RunAlone();

  /** The most items one shared transaction holds, unless a caller needs another size. */
  public static final int DEFAULT_MAX_BATCH = 128;

  /**
   * SQLSTATE classes of failures one item may have caused (data exception, integrity constraint,
   * invalid transaction state, transaction rollback, program limit, object not in prerequisite
   * state): the batch is redone item by item.
   */
  private static final Set<String> ONE_ITEM_MAY_CAUSE = Set.of("22", "23", "25", "40", "54", "55");

  private record Unit<I, O>(I item, CompletableFuture<O> result) {}

  private final DataSource dataSource;
  private final BatchWork<I, O> work;
  private final Alone<I, O> alone;
  private final int maxBatch;
  private final LinkedBlockingQueue<Unit<I, O>> pending = new LinkedBlockingQueue<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean closed;

  /**
   * @param committers threads that commit in parallel (one collects while another waits for its
   *     flush); 0 runs every item alone, in a transaction of its own
   */
  public BatchCommitter(DataSource dataSource, String name, int committers, int maxBatch, BatchWork<I, O> work) {
    this(dataSource, name, committers, maxBatch, work, null);
  }

  /**
   * @param alone how a caller processes its item alone; null: the batch work on that item alone,
   *     in a transaction of its own
   */
  public BatchCommitter(DataSource dataSource, String name, int committers, int maxBatch, BatchWork<I, O> work,
      Alone<I, O> alone) {
    if (committers < 0 || maxBatch < 1) {
      throw new IllegalArgumentException("batch committer " + name + ": committers must be >= 0 and maxBatch >= 1, got "
          + committers + " and " + maxBatch);
    }
    this.dataSource = dataSource;
    this.work = work;
    this.alone = alone != null ? alone : item -> Tx.run(dataSource, conn -> work.run(conn, List.of(item)).get(0));
    this.maxBatch = maxBatch;
    for (int n = 0; n < committers; n++) {
      Thread t = Thread.ofPlatform().daemon().name("courier-" + name + "-commit-" + n).unstarted(this::loop);
      threads.add(t);
      t.start();
    }
    closed = committers == 0;
  }

  /** Processes {@code item} in the next shared transaction and returns its result once that committed. */
  public O submit(I item) throws SQLException {
    if (closed) {
      return alone.run(item);
    }
    Unit<I, O> unit = new Unit<>(item, new CompletableFuture<>());
    pending.add(unit);
    if (closed && pending.remove(unit)) {
      return alone.run(item);
    }
    try {
      return awaitUninterruptibly(unit.result());
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RunAlone) {
        return alone.run(item);
      }
      if (c instanceof SQLException s) {
        throw new SQLException(s.getMessage(), s.getSQLState(), s.getErrorCode(), s);
      }
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(c);
    }
  }

  /**
   * Waits through interrupts (and keeps the flag): the item is in a transaction that commits in
   * milliseconds, and the caller must learn whether it did, as a lone commit's caller does.
   */
  private static <T> T awaitUninterruptibly(CompletableFuture<T> f) throws ExecutionException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return f.get();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Items waiting for a committer. */
  public int pending() {
    return pending.size();
  }

  private void loop() {
    List<Unit<I, O>> batch = new ArrayList<>(maxBatch);
    while (!closed) {
      try {
        Unit<I, O> first = pending.poll(1, TimeUnit.SECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        pending.drainTo(batch, maxBatch - 1);
        commit(batch);
      } catch (InterruptedException e) {
        break;
      } catch (RuntimeException | Error e) {
        LOG.error("shared commit failed unexpectedly; its callers run alone", e);
        batch.forEach(u -> u.result().completeExceptionally(RUN_ALONE));
      } finally {
        batch.clear();
      }
    }
  }

  private void commit(List<Unit<I, O>> batch) {
    List<O> results;
    try {
      results = Tx.run(dataSource, conn -> {
        List<O> r = work.run(conn, batch.stream().map(Unit::item).toList());
        if (r.size() != batch.size()) {
          throw new IllegalStateException("batch work returned " + r.size() + " results for " + batch.size() + " items");
        }
        return r;
      });
    } catch (SQLException e) {
      String state = e.getSQLState();
      boolean oneItemMayCause = state != null && state.length() >= 2 && !connectionLost(e)
          && ONE_ITEM_MAY_CAUSE.contains(state.substring(0, 2));
      if (oneItemMayCause) {
        LOG.debug("shared transaction of {} items failed ({}); each runs alone", batch.size(), e.getSQLState());
        batch.forEach(u -> u.result().completeExceptionally(RUN_ALONE));
      } else {
        batch.forEach(u -> u.result().completeExceptionally(e));
      }
      return;
    } catch (RuntimeException e) {
      LOG.debug("shared transaction of {} items failed; each runs alone", batch.size(), e);
      batch.forEach(u -> u.result().completeExceptionally(RUN_ALONE));
      return;
    }
    for (int n = 0; n < batch.size(); n++) {
      batch.get(n).result().complete(results.get(n));
    }
  }

  private static boolean connectionLost(SQLException e) {
    return e instanceof SQLTransientConnectionException || e instanceof SQLNonTransientConnectionException
        || e instanceof SQLRecoverableException || e.getSQLState().startsWith("08");
  }

  /** Stops the committers; items still waiting, or arriving later, run alone. */
  @Override
  public void close() {
    closed = true;
    for (Thread t : threads) {
      t.interrupt();
    }
    for (Thread t : threads) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    Unit<I, O> u;
    while ((u = pending.poll()) != null) {
      u.result().completeExceptionally(RUN_ALONE);
    }
  }
}
