package dev.courier.whatsapp.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * Group commit for small, independent units of work: each caller's unit runs, one after the other
 * with those of concurrent callers, in one shared transaction ({@link BatchCommitter}), and the
 * caller gets its result once that committed, as {@link Tx#run} would have given it. A unit must be
 * written as for a transaction of its own and keep its side effects inside the transaction or in
 * what it returns: when the shared transaction fails, it runs again alone.
 *
 * <p>Units that lock rows name them ({@link #run(Keys, Tx.Work)}): the shared transaction locks the
 * rows of all its units first, in one statement, in key order ({@link Locker}), then runs the units.
 * Without that, each unit locked its rows in the order the units happened to arrive, and two shared
 * transactions holding the same two rows in opposite orders deadlocked: each such deadlock stalled
 * both transactions for PostgreSQL's {@code deadlock_timeout} (1 s) before one was aborted and its
 * units ran again alone (47 times in a campaign benchmark of 10,000 messages, see
 * docs/BENCHMARKS.md).
 */
public final class SharedTransactions implements AutoCloseable {
  /** Finds, inside the transaction and without locking, the keys of the rows a unit will lock. */
  @FunctionalInterface
  public interface Keys {
    Collection<String> find(Connection conn) throws SQLException;
  }

  /** Locks the rows of {@code keys}, in their order, inside the caller's transaction. */
  @FunctionalInterface
  public interface Locker {
    void lock(Connection conn, SortedSet<String> keys) throws SQLException;
  }

  private record Unit(Keys keys, Tx.Work<?> work) {}

  private final BatchCommitter<Unit, Object> committer;

  /** @param committers threads that commit in parallel; 0 runs every unit alone */
  public SharedTransactions(DataSource dataSource, String name, int committers, int maxBatch) {
    this(dataSource, name, committers, maxBatch, null);
  }

  /**
   * @param committers threads that commit in parallel; 0 runs every unit alone
   * @param locker locks the rows units name, in key order, before any unit runs; null: units lock
   *     as they go
   */
  public SharedTransactions(DataSource dataSource, String name, int committers, int maxBatch, Locker locker) {
    this.committer = new BatchCommitter<>(dataSource, name, committers, maxBatch, (conn, units) -> {
      if (locker != null) {
        SortedSet<String> keys = new TreeSet<>();
        for (Unit unit : units) {
          if (unit.keys() != null) {
            keys.addAll(unit.keys().find(conn));
          }
        }
        if (!keys.isEmpty()) {
          locker.lock(conn, keys);
        }
      }
      List<Object> results = new ArrayList<>(units.size());
      for (Unit unit : units) {
        results.add(unit.work().run(conn));
      }
      return results;
    });
  }

  /** Runs {@code work} in the next shared transaction and returns its result once that committed. */
  public <T> T run(Tx.Work<T> work) throws SQLException {
    return run(null, work);
  }

  /**
   * As {@link #run(Tx.Work)}, the rows of {@code keys} locked first with those of the other units
   * (rows a unit finds only later it locks as it goes; a deadlock there costs time, not
   * correctness: the shared transaction fails and its units run again alone).
   */
  public <T> T run(Keys keys, Tx.Work<T> work) throws SQLException {
    @SuppressWarnings("unchecked")
    T result = (T) committer.submit(new Unit(keys, work));
    return result;
  }

  @Override
  public void close() {
    committer.close();
  }
}
