package dev.courier.whatsapp.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Runs work in one transaction: commit when it returns, roll back when it throws. */
public final class Tx {
  /** Work inside a transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection conn) throws SQLException;
  }

  private Tx() {}

  public static <T> T run(DataSource dataSource, Work<T> work) throws SQLException {
    try (Connection conn = dataSource.getConnection()) {
      conn.setAutoCommit(false);
      try {
        T result = work.run(conn);
        conn.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        try {
          conn.rollback();
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        throw e;
      } finally {
        conn.setAutoCommit(true);
      }
    }
  }
}
