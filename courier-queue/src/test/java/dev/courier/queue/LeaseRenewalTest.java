package dev.courier.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.queue.internal.store.JobStore;
import dev.courier.queue.testing.DatabaseTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Lease renewal never waits for a job row another transaction holds: the completer's batch and a
 * worker's own transaction lock rows in other orders, and renewal that waited made deadlocks.
 */
@DatabaseTest
class LeaseRenewalTest extends EngineTestBase {

  @Test
  void renewalSkipsALockedRowWithoutWaitingAndStillCountsItAsHeld() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CourierQueue q = started(engine().queue("default", 4).worker("block", Args.class, ctx -> release.await()));
    long a = q.enqueue(JobRequest.of("block", new Args("a"))).id();
    long b = q.enqueue(JobRequest.of("block", new Args("b"))).id();
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> stateOf(q, a) == JobState.RUNNING && stateOf(q, b) == JobState.RUNNING);
      JobStore store = new JobStore(db, new ObjectMapper());
      Instant until = Instant.now().plus(Duration.ofMinutes(10));
      try (Connection holder = db.getConnection()) {
        holder.setAutoCommit(false);
        try (PreparedStatement ps = holder.prepareStatement("SELECT id FROM courier_job WHERE id = ? FOR UPDATE")) {
          ps.setLong(1, b);
          ps.executeQuery().close();
        }
        CompletableFuture<Map<Long, Boolean>> renewed = CompletableFuture.supplyAsync(() -> {
          try {
            return store.jobRenewLeases(new long[] {a, b}, q.nodeId(), until);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        // Answered while b is still locked: renewal did not wait for it.
        Map<Long, Boolean> held = renewed.get(3, TimeUnit.SECONDS);
        assertThat(held).containsOnlyKeys(a, b);
        assertThat(held.values()).containsOnly(false);
        holder.rollback();
      }
      assertThat(scalar("SELECT count(*) FROM courier_job WHERE id = ? AND lease_expires_at > now() + interval '5 minutes'", a))
          .as("a was renewed").isEqualTo(1);
      // A job this node no longer holds is not reported.
      exec("UPDATE courier_job SET attempted_by = 'another-node' WHERE id = ?", b);
      assertThat(store.jobRenewLeases(new long[] {a, b}, q.nodeId(), until)).containsOnlyKeys(a);
    } finally {
      release.countDown();
    }
  }
}
