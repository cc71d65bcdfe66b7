package dev.courier.whatsapp.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.courier.queue.testing.DatabaseTest;
import dev.courier.whatsapp.testing.DomainTestBase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Shared transactions against a real database: what each caller sees, and what commits. */
@DatabaseTest
class BatchCommitterTest extends DomainTestBase {
  @BeforeEach
  void table() throws SQLException {
    exec("DROP TABLE IF EXISTS shared_tx_probe");
    exec("CREATE TABLE shared_tx_probe (k text PRIMARY KEY, tx bigint NOT NULL)");
  }

  private void exec(String sql) throws SQLException {
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.execute();
    }
  }

  /** Inserts key k and returns the id of the transaction that did it. */
  private static long insert(Connection c, String k) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO shared_tx_probe (k, tx) VALUES (?, txid_current()) RETURNING tx")) {
      ps.setString(1, k);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private long count() throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM shared_tx_probe");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Runs n units at once, each from its own virtual thread, released together. */
  private List<CompletableFuture<Long>> concurrently(SharedTransactions shared, List<String> keys) {
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<Long>> results = new ArrayList<>();
    for (String k : keys) {
      CompletableFuture<Long> f = new CompletableFuture<>();
      results.add(f);
      Thread.ofVirtual().start(() -> {
        try {
          go.await();
          f.complete(shared.run(c -> insert(c, k)));
        } catch (Throwable t) {
          f.completeExceptionally(t);
        }
      });
    }
    go.countDown();
    return results;
  }

  @Test
  void concurrentUnitsShareCommitsAndEachGetsItsOwnResult() throws Exception {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      keys.add("k" + i);
    }
    try (SharedTransactions shared = new SharedTransactions(db, "test", 1, 64)) {
      List<CompletableFuture<Long>> results = concurrently(shared, keys);
      Set<Long> transactions = new HashSet<>();
      for (int i = 0; i < keys.size(); i++) {
        long tx = results.get(i).get();
        transactions.add(tx);
        // Each caller got the result of its own unit: the transaction that stored its key.
        assertThat(scalar("SELECT tx FROM shared_tx_probe WHERE k = '" + keys.get(i) + "'")).isEqualTo(tx);
      }
      assertThat(count()).isEqualTo(200);
      assertThat(transactions.size()).as("transactions for 200 units").isLessThan(200);
    }
  }

  @Test
  void aUnitThatFailsTheSharedTransactionFailsAloneAndTheOthersCommit() throws Exception {
    exec("INSERT INTO shared_tx_probe (k, tx) VALUES ('taken', 0)");
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      keys.add(i == 50 ? "taken" : "k" + i);
    }
    try (SharedTransactions shared = new SharedTransactions(db, "test", 1, 64)) {
      List<CompletableFuture<Long>> results = concurrently(shared, keys);
      for (int i = 0; i < keys.size(); i++) {
        if (i == 50) {
          CompletableFuture<Long> failed = results.get(i);
          assertThatThrownBy(failed::get).isInstanceOf(ExecutionException.class)
              .cause().isInstanceOf(SQLException.class)
              .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
        } else {
          assertThat(results.get(i).get()).isPositive();
        }
      }
      assertThat(count()).isEqualTo(100); // 99 new ones and the one that was there
      assertThat(scalar("SELECT tx FROM shared_tx_probe WHERE k = 'taken'")).isZero();
    }
  }

  @Test
  void withoutCommittersEveryUnitCommitsAlone() throws Exception {
    try (SharedTransactions shared = new SharedTransactions(db, "test", 0, 64)) {
      List<CompletableFuture<Long>> results = concurrently(shared, List.of("a", "b", "c", "d"));
      Set<Long> transactions = new HashSet<>();
      for (CompletableFuture<Long> r : results) {
        transactions.add(r.get());
      }
      assertThat(transactions).hasSize(4);
    }
  }

  @Test
  void aClosedCommitterStillRunsUnitsAlone() throws Exception {
    SharedTransactions shared = new SharedTransactions(db, "test", 2, 64);
    shared.close();
    long tx = shared.run(c -> insert(c, "after-close"));
    assertThat(tx).isPositive();
    assertThat(count()).isEqualTo(1);
  }

  @Test
  void rejectsNegativeCommittersNamingTheSetting() {
    assertThatThrownBy(() -> new BatchCommitter<String, String>(db, "send-record", -1, 10, (c, items) -> items))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("send-record")
        .hasMessageContaining("committers");
  }

}
