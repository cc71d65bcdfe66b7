package dev.courier.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.courier.queue.testing.DatabaseTest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Fetchers are woken after commit, never by a NOTIFY inside the engine's write transactions (which
 * would make every notifying commit of the database wait for the one before it), and never only by
 * polling: these engines poll once an hour.
 */
@DatabaseTest
class WakeTest extends EngineTestBase {
  private static final Duration NO_POLLING = Duration.ofHours(1);

  @Test
  void enqueueWithAfterCommitNotifiesOnlyWhenItRunsAfterTheCommit() throws Exception {
    CourierQueue q = built(engine().knownKind("t"));
    try (Connection listen = db.getConnection(); Connection c = db.getConnection()) {
      try (Statement st = listen.createStatement()) {
        st.execute("LISTEN courier_job_ready");
        st.execute("LISTEN courier_job_announced");
      }
      c.setAutoCommit(false);
      AfterCommit afterCommit = q.afterCommit();
      q.enqueueMany(c, List.of(JobRequest.of("t", new Args("a")), JobRequest.of("t", new Args("b"))), afterCommit);
      c.commit();
      assertThat(notifications(listen, Duration.ofMillis(300))).as("nothing at commit").isEmpty();

      afterCommit.run();
      // Announced with the engine's token, so the engine can skip its own announcements.
      assertThat(notifications(listen, Duration.ofSeconds(3))).as("told once the caller ran it")
          .anySatisfy(payload -> assertThat(payload).endsWith("rdefault").hasSizeGreaterThan("rdefault".length()));

      // The plain transactional enqueue still notifies at commit, for callers that run nothing after it.
      q.enqueue(c, JobRequest.of("t", new Args("c")));
      c.commit();
      assertThat(notifications(listen, Duration.ofSeconds(3))).contains("default");
    }
    assertThat(scalar("SELECT count(*) FROM courier_job")).isEqualTo(3);
  }

  @Test
  void anotherNodeStartsJobsEnqueuedHereWithoutPolling() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    started(engine().pollInterval(NO_POLLING).worker("w", Args.class, ctx -> runs.incrementAndGet()));
    CourierQueue producer = built(engine().knownKind("w"));
    Thread.sleep(300); // the worker's first look at the queue found it empty

    producer.enqueue(JobRequest.of("w", new Args("own transaction")));
    await().atMost(Duration.ofSeconds(3)).until(() -> runs.get() == 1);

    AfterCommit afterCommit = producer.afterCommit();
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      producer.enqueue(c, JobRequest.of("w", new Args("caller's transaction")), afterCommit);
      c.commit();
    }
    afterCommit.run();
    await().atMost(Duration.ofSeconds(3)).until(() -> runs.get() == 2);
  }

  @Test
  void theLeaderPromotesAJobScheduledOnAnotherNodeWhenItIsDueWithoutPolling() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    CourierQueue leader = started(engine().pollInterval(NO_POLLING).promoteInterval(NO_POLLING)
        .worker("w", Args.class, ctx -> runs.incrementAndGet()));
    await().atMost(Duration.ofSeconds(5)).until(leader::isLeader);
    Thread.sleep(300); // the leader's first promotion pass found nothing due and waits an hour
    CourierQueue producer = built(engine().knownKind("w"));

    long id = producer.enqueue(JobRequest.of("w", new Args("later")).withDelay(Duration.ofMillis(500))).id();
    assertThat(stateOf(leader, id)).isEqualTo(JobState.SCHEDULED);
    await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == 1);
    assertThat(stateOf(leader, id)).isIn(JobState.RUNNING, JobState.COMPLETED);
  }

  @Test
  void completionsRetriesAndSnoozesWakeTheNextRunWithoutPolling() throws Exception {
    List<String> order = new ArrayList<>();
    AtomicInteger attempts = new AtomicInteger();
    AtomicInteger naps = new AtomicInteger();
    RetryPolicy quick = (attempt, error) -> Duration.ofMillis(200);
    CourierQueue q = started(engine().pollInterval(NO_POLLING)
        .worker("chain", Args.class, ctx -> {
          synchronized (order) {
            order.add(ctx.args().value());
          }
        })
        .worker("flaky", Args.class, ctx -> {
          if (attempts.incrementAndGet() == 1) {
            throw new IllegalStateException("first attempt fails");
          }
        }, WorkerOptions.defaults().withRetryPolicy(quick))
        .worker("sleepy", Args.class, ctx -> {
          if (naps.incrementAndGet() == 1) {
            throw ctx.snooze(Duration.ofMillis(200));
          }
        }));
    Thread.sleep(300);

    // Each job of an order key is released by the completion of the one before it.
    q.enqueueMany(List.of(
        JobRequest.of("chain", new Args("1")).withOrderKey("k"),
        JobRequest.of("chain", new Args("2")).withOrderKey("k"),
        JobRequest.of("chain", new Args("3")).withOrderKey("k")));
    await().atMost(Duration.ofSeconds(5)).until(() -> {
      synchronized (order) {
        return order.size() == 3;
      }
    });
    assertThat(order).containsExactly("1", "2", "3");

    long flaky = q.enqueue(JobRequest.of("flaky", new Args("x"))).id();
    await().atMost(Duration.ofSeconds(5)).until(() -> stateOf(q, flaky) == JobState.COMPLETED);
    assertThat(attempts.get()).isEqualTo(2);

    long sleepy = q.enqueue(JobRequest.of("sleepy", new Args("x"))).id();
    await().atMost(Duration.ofSeconds(5)).until(() -> stateOf(q, sleepy) == JobState.COMPLETED);
    assertThat(naps.get()).isEqualTo(2);
  }

  private static List<String> notifications(Connection listen, Duration within) throws Exception {
    ConcurrentLinkedQueue<String> got = new ConcurrentLinkedQueue<>();
    long end = System.nanoTime() + within.toNanos();
    PGConnection pg = listen.unwrap(PGConnection.class);
    while (System.nanoTime() < end && got.isEmpty()) {
      PGNotification[] ns = pg.getNotifications(50);
      if (ns != null) {
        for (PGNotification n : ns) {
          got.add(n.getParameter());
        }
      }
    }
    return List.copyOf(got);
  }
}
