package dev.courier.queue.internal.store;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Runs one statement with its wake-ups deferred (see V6__wake_after_commit.sql): the statement is
 * sent between a SELECT that sets {@code courier.wake} for the transaction and a SELECT that reads
 * what the triggers recorded and clears the setting again, all three in one round trip. Without an
 * open transaction the three run in one implicit transaction (one Sync), so the setting lives
 * exactly as long as the statement's own transaction; inside a caller's transaction it is cleared
 * after the statement, and the caller's later statements notify as usual.
 */
final class DeferredWake {
  private static final String BEFORE =
      "SELECT set_config('courier.wake', 'deferred', true), set_config('courier.wake_ready', '{}', true),"
          + " set_config('courier.wake_scheduled', '', true);\n";
  private static final String AFTER =
      ";\nSELECT current_setting('courier.wake_ready', true)::text[] AS ready,"
          + " current_setting('courier.wake_scheduled', true) = 'on' AS scheduled,"
          + " set_config('courier.wake', '', true)";

  /** Reads the main statement's result: its rows, or its update count when it returns none. */
  interface Reader {
    void read(ResultSet rows, int updateCount) throws SQLException;
  }

  private DeferredWake() {}

  /** The statement wrapped for {@link #execute}; its parameters keep their indexes. */
  static String wrap(String sql) {
    return BEFORE + sql.strip() + AFTER;
  }

  /** Executes a statement prepared from {@link #wrap}; returns the wake its triggers recorded. */
  static Wake execute(PreparedStatement ps, Reader reader) throws SQLException {
    ps.execute(); // the result of BEFORE
    if (ps.getMoreResults()) {
      try (ResultSet rs = ps.getResultSet()) {
        reader.read(rs, -1);
      }
    } else {
      reader.read(null, ps.getUpdateCount());
    }
    if (!ps.getMoreResults()) {
      throw new SQLException("deferred wake: the closing SELECT returned no row set");
    }
    try (ResultSet rs = ps.getResultSet()) {
      if (!rs.next()) {
        return Wake.NONE;
      }
      Set<String> ready = new LinkedHashSet<>();
      Array a = rs.getArray("ready");
      if (a != null) {
        for (Object q : (Object[]) a.getArray()) {
          ready.add((String) q);
        }
      }
      return new Wake(ready, rs.getBoolean("scheduled"));
    }
  }
}
