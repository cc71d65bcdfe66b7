package dev.courier.whatsapp.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.courier.queue.testing.DatabaseTest;
import dev.courier.whatsapp.testing.DomainTestBase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two shared transactions whose units touch the same two rows in opposite orders: with a locker,
 * each locks both rows first in key order and the second waits for the first; without one, they
 * deadlock, PostgreSQL aborts one after its deadlock timeout, and its units run a second time alone.
 */
@DatabaseTest
class SharedTransactionsLockOrderTest extends DomainTestBase {
  private static final long HOLD_MILLIS = 400;

  @BeforeEach
  void table() throws SQLException {
    exec("DROP TABLE IF EXISTS lock_order_probe");
    exec("CREATE TABLE lock_order_probe (k text PRIMARY KEY, v integer NOT NULL)");
    exec("INSERT INTO lock_order_probe VALUES ('a', 0), ('b', 0)");
  }

  @Test
  void unitsTouchingTheSameRowsInOppositeOrdersRunOnceEachWhenTheirRowsAreLockedFirst() throws Exception {
    SharedTransactions.Locker locker = (conn, keys) -> {
      try (PreparedStatement ps = conn.prepareStatement(
          "SELECT k FROM lock_order_probe WHERE k = ANY (?) ORDER BY k FOR UPDATE")) {
        ps.setArray(1, conn.createArrayOf("text", keys.toArray()));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            // locked in key order
          }
        }
      }
    };
    Map<String, AtomicInteger> runs = oppositeOrders(locker);

    assertThat(runs).allSatisfy((unit, n) -> assertThat(n.get()).as(unit).isEqualTo(1));
    assertThat(value("a")).isEqualTo(2);
    assertThat(value("b")).isEqualTo(2);
  }

  @Test
  void withoutALockerTheSameUnitsDeadlockAndOneTransactionRunsAgainAlone() throws Exception {
    Map<String, AtomicInteger> runs = oppositeOrders(null);

    // The aborted shared transaction's units ran twice: once in it, once alone.
    assertThat(runs.values().stream().mapToInt(AtomicInteger::get).sum()).isGreaterThan(4);
    assertThat(value("a")).isEqualTo(2);
    assertThat(value("b")).isEqualTo(2);
  }

  /**
   * Shared transaction one runs [touch b, touch a], two runs [touch a, touch b], at the same time;
   * the first unit of each holds its row a while. Returns how often each unit ran.
   */
  private Map<String, AtomicInteger> oppositeOrders(SharedTransactions.Locker locker) throws Exception {
    Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    try (SharedTransactions one = new SharedTransactions(db, "one", 1, 16, locker);
        SharedTransactions two = new SharedTransactions(db, "two", 1, 16, locker)) {
      CountDownLatch held = new CountDownLatch(2);
      CountDownLatch release = new CountDownLatch(1);
      List<CompletableFuture<Integer>> all = new ArrayList<>();
      // A first unit keeps each committer busy, so that the next two form one batch, in order.
      for (SharedTransactions shared : List.of(one, two)) {
        all.add(submit(shared, null, conn -> {
          held.countDown();
          release.await();
          return 0;
        }));
      }
      assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
      all.add(submit(one, "b", touch("one:b", "b", true, runs)));
      all.add(submit(two, "a", touch("two:a", "a", true, runs)));
      Thread.sleep(100);
      all.add(submit(one, "a", touch("one:a", "a", false, runs)));
      all.add(submit(two, "b", touch("two:b", "b", false, runs)));
      Thread.sleep(100);
      release.countDown();
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }
    return runs;
  }

  interface Work {
    int run(Connection conn) throws Exception;
  }

  private CompletableFuture<Integer> submit(SharedTransactions shared, String key, Work work) {
    CompletableFuture<Integer> f = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        f.complete(shared.run(key == null ? null : conn -> List.of(key), conn -> {
          try {
            return work.run(conn);
          } catch (SQLException e) {
            throw e;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }));
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    });
    return f;
  }

  /** Adds 1 to row k (locking it), then holds the transaction a while when {@code hold}. */
  private static Work touch(String unit, String k, boolean hold, Map<String, AtomicInteger> runs) {
    return conn -> {
      runs.computeIfAbsent(unit, u -> new AtomicInteger()).incrementAndGet();
      try (PreparedStatement ps = conn.prepareStatement("UPDATE lock_order_probe SET v = v + 1 WHERE k = ?")) {
        ps.setString(1, k);
        ps.executeUpdate();
      }
      if (hold) {
        Thread.sleep(HOLD_MILLIS);
      }
      return 1;
    };
  }

  private int value(String k) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT v FROM lock_order_probe WHERE k = ?")) {
      ps.setString(1, k);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private void exec(String sql) throws SQLException {
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.execute();
    }
  }
}
