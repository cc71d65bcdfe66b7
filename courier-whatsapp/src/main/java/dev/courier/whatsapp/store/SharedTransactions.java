package dev.courier.whatsapp.store;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Group commit for small, independent units of work: each caller's unit runs, one after the other
 * with those of concurrent callers, in one shared transaction ({@link BatchCommitter}), and the
 * caller gets its result once that committed, as {@link Tx#run} would have given it. A unit must be
 * written as for a transaction of its own and keep its side effects inside the transaction or in
 * what it returns: when the shared transaction fails, it runs again alone.
 */
public final class SharedTransactions implements AutoCloseable {
  private final BatchCommitter<Tx.Work<?>, Object> committer;

  /** @param committers threads that commit in parallel; 0 runs every unit alone */
  public SharedTransactions(DataSource dataSource, String name, int committers, int maxBatch) {
    this.committer = new BatchCommitter<>(dataSource, name, committers, maxBatch, (conn, units) -> {
      List<Object> results = new ArrayList<>(units.size());
      for (Tx.Work<?> unit : units) {
        results.add(unit.run(conn));
      }
      return results;
    });
  }

  /** Runs {@code work} in the next shared transaction and returns its result once that committed. */
  public <T> T run(Tx.Work<T> work) throws SQLException {
    @SuppressWarnings("unchecked")
    T result = (T) committer.submit(work);
    return result;
  }

  @Override
  public void close() {
    committer.close();
  }
}
