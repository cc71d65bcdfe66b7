package dev.courier.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.courier.queue.testing.DatabaseTest;
import dev.courier.queue.testing.TestClock;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Several engines on one database, racing enqueues, transactions, leases and leadership. */
@DatabaseTest
class ConcurrencyTest extends EngineTestBase {

  @Test
  void uniqueKeyUnderSixteenConcurrentEnqueuesHasOneWinner() throws Exception {
    CourierQueue q = built(engine().knownKind("u"));
    int threads = 16;
    CyclicBarrier barrier = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<EnqueueResult>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      results.add(pool.submit(() -> {
        barrier.await();
        return q.enqueue(JobRequest.of("u", new Args("x")).withUniqueKey("order-17"));
      }));
    }
    List<EnqueueResult> all = new ArrayList<>();
    for (Future<EnqueueResult> f : results) {
      all.add(f.get(30, TimeUnit.SECONDS));
    }
    pool.shutdown();
    assertThat(all.stream().filter(r -> !r.duplicate())).hasSize(1);
    long winner = all.stream().filter(r -> !r.duplicate()).findFirst().orElseThrow().id();
    assertThat(all).allSatisfy(r -> assertThat(r.id()).isEqualTo(winner));
    assertThat(scalar("SELECT count(*) FROM courier_job")).isEqualTo(1);
  }

  @Test
  void uniqueKeyFreesWhenTheJobFinishesButAWindowKeyDoesNot() {
    CourierQueue q = started(engine().worker("u", Args.class, ctx -> {}));
    long first = q.enqueue(JobRequest.of("u", new Args("x")).withUniqueKey("k")).id();
    await().until(() -> stateOf(q, first) == JobState.COMPLETED);
    EnqueueResult again = q.enqueue(JobRequest.of("u", new Args("x")).withUniqueKey("k"));
    assertThat(again.duplicate()).isFalse();

    long windowed = q.enqueue(JobRequest.of("u", new Args("y")).withUniqueKey("w", Duration.ofHours(1))).id();
    await().until(() -> stateOf(q, windowed) == JobState.COMPLETED);
    EnqueueResult inWindow = q.enqueue(JobRequest.of("u", new Args("y")).withUniqueKey("w", Duration.ofHours(1)));
    assertThat(inWindow.duplicate()).isTrue();
    assertThat(inWindow.id()).isEqualTo(windowed);
  }

  @Test
  void batchEnqueueDedupesWithinAndAcrossTheBatch() {
    CourierQueue q = built(engine().knownKind("u"));
    long existing = q.enqueue(JobRequest.of("u", new Args("0")).withUniqueKey("a")).id();
    List<EnqueueResult> r =
        q.enqueueMany(
            List.of(
                JobRequest.of("u", new Args("1")),
                JobRequest.of("u", new Args("2")).withUniqueKey("a"),
                JobRequest.of("u", new Args("3")).withUniqueKey("b"),
                JobRequest.of("u", new Args("4")).withUniqueKey("b"),
                JobRequest.of("u", new Args("5"))));
    assertThat(r).extracting(EnqueueResult::duplicate).containsExactly(false, true, false, true, false);
    assertThat(r.get(1).id()).isEqualTo(existing);
    assertThat(r.get(3).id()).isEqualTo(r.get(2).id());
    assertThat(q.readArgs(q.job(r.get(0).id()).orElseThrow(), Args.class).value()).isEqualTo("1");
    assertThat(q.readArgs(q.job(r.get(4).id()).orElseThrow(), Args.class).value()).isEqualTo("5");
  }

  @Test
  void transactionalEnqueueExistsOnlyIfTheCallerCommits() throws Exception {
    CourierQueue q = built(engine().knownKind("t"));
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      q.enqueue(c, JobRequest.of("t", new Args("rolled back")));
      c.rollback();
    }
    assertThat(scalar("SELECT count(*) FROM courier_job")).isZero();

    AtomicInteger runs = new AtomicInteger();
    CourierQueue worker = started(engine().worker("t", Args.class, ctx -> runs.incrementAndGet()));
    long id;
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      id = q.enqueue(c, JobRequest.of("t", new Args("committed"))).id();
      Thread.sleep(300);
      assertThat(runs.get()).as("not visible before commit").isZero();
      c.commit();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> stateOf(worker, id) == JobState.COMPLETED);
  }

  @Test
  void pauseAndResumeTakeEffectOnEveryNodeWithinASecond() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    CourierQueue a = started(engine().worker("p", Args.class, ctx -> runs.incrementAndGet()));
    CourierQueue b = started(engine().worker("p", Args.class, ctx -> runs.incrementAndGet()));
    a.pause("default");
    await().atMost(Duration.ofSeconds(1)).until(() -> a.queueStats().stream().anyMatch(QueueStats::paused));
    Thread.sleep(1_100);
    a.enqueueMany(IntStream.range(0, 20).mapToObj(i -> JobRequest.of("p", new Args("" + i))).toList());
    Thread.sleep(1_000);
    assertThat(runs.get()).isZero();
    b.resume("default");
    await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == 20);
  }

  @Test
  void twoEnginesNeverRunOneJobTwice() {
    Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    Worker<Args> w = ctx -> runs.computeIfAbsent(ctx.args().value(), k -> new AtomicInteger()).incrementAndGet();
    CourierQueue a = started(engine().queue("default", 8).worker("d", Args.class, w));
    started(engine().queue("default", 8).worker("d", Args.class, w));
    int n = 3_000;
    for (int batch = 0; batch < 6; batch++) {
      int base = batch * 500;
      a.enqueueMany(IntStream.range(base, base + 500).mapToObj(i -> JobRequest.of("d", new Args("" + i))).toList());
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> runs.size() == n && completed() == n);
    assertThat(runs.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(1));
  }

  private long completed() throws Exception {
    return scalar("SELECT count(*) FROM courier_job WHERE state = 'completed'");
  }

  @Test
  void jobsLeftRunningByADeadNodeAreRescuedAndCompletedByAnother() throws Exception {
    CourierQueue client = built(engine().knownKind("r"));
    List<EnqueueResult> r = client.enqueueMany(IntStream.range(0, 10).mapToObj(i -> JobRequest.of("r", new Args("" + i))).toList());
    // A node claimed them and died: its leases are left behind, already expired.
    exec("UPDATE courier_job SET state = 'running', attempt = 1, attempted_by = 'dead-node',"
        + " attempted_at = now() - interval '2 minutes', lease_expires_at = now() - interval '1 minute'");
    Set<Long> ran = ConcurrentHashMap.newKeySet();
    CourierQueue survivor = started(engine().worker("r", Args.class, ctx -> ran.add(ctx.job().id())));
    await().atMost(Duration.ofSeconds(20)).until(() -> completed() == 10);
    assertThat(ran).containsExactlyInAnyOrderElementsOf(r.stream().map(EnqueueResult::id).toList());
    Job one = survivor.job(r.get(0).id()).orElseThrow();
    assertThat(one.attempt()).isEqualTo(2);
    assertThat(one.errors()).singleElement().satisfies(e -> {
      assertThat(e.errorClass()).isEqualTo("lease_expired");
      assertThat(e.message()).contains("dead-node");
    });
  }

  @Test
  void aStaleWorkerCannotCompleteAJobThatWasRescued() throws Exception {
    CountDownLatch firstStarted = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    CourierQueue a =
        started(engine().nodeId("node-a").runMaintenance(false).worker("s", Args.class, ctx -> {
          if (ctx.attempt() > 1) {
            ctx.result("from-a-retry");
            return;
          }
          firstStarted.countDown();
          releaseFirst.await();
          ctx.result("from-a");
        }));
    long id = a.enqueue(JobRequest.of("s", new Args("x"))).id();
    assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
    // Node A stalls past its lease (a long GC pause, a partition): the lease expires.
    exec("UPDATE courier_job SET lease_expires_at = now() - interval '1 second' WHERE id = ?", id);
    CourierQueue b = started(engine().nodeId("node-b").worker("s", Args.class, ctx -> ctx.result("from-b")));
    b.runMaintenanceNow();
    await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(b, id) == JobState.COMPLETED);
    releaseFirst.countDown();
    Thread.sleep(500);
    Job job = b.job(id).orElseThrow();
    // Whichever node ran the second attempt, the stalled first attempt's late completion changed
    // nothing.
    assertThat(job.resultJson()).isIn("\"from-b\"", "\"from-a-retry\"");
    assertThat(job.attempt()).isEqualTo(2);
    assertThat(job.state()).isEqualTo(JobState.COMPLETED);
  }

  @Test
  void gracefulStopReleasesUnfinishedJobsForAnotherNodeAtOnce() throws Exception {
    CountDownLatch started = new CountDownLatch(2);
    CourierQueue a =
        built(engine().queue(new QueueConfig("default", 2, 10)).worker("g", Args.class, ctx -> {
          started.countDown();
          Thread.sleep(60_000);
        }));
    a.enqueueMany(IntStream.range(0, 6).mapToObj(i -> JobRequest.of("g", new Args("" + i))).toList());
    a.start();
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    long t0 = System.nanoTime();
    a.stop(Duration.ofMillis(500));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(scalar("SELECT count(*) FROM courier_job WHERE state = 'available' AND attempt = 0")).isEqualTo(6);
    AtomicInteger runs = new AtomicInteger();
    started(engine().worker("g", Args.class, ctx -> runs.incrementAndGet()));
    await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == 6);
  }

  @Test
  void periodicJobTicksOnceAcrossTwoEngines() throws Exception {
    TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:30Z"));
    AtomicInteger runs = new AtomicInteger();
    PeriodicJob everyMinute =
        new PeriodicJob("report", CronSchedule.parse("* * * * *", ZoneId.of("America/Sao_Paulo")), JobRequest.of("tick", new Args("r")));
    CourierQueue a = started(engine().clock(clock).periodic(everyMinute).worker("tick", Args.class, ctx -> runs.incrementAndGet()));
    CourierQueue b = started(engine().clock(clock).periodic(everyMinute).worker("tick", Args.class, ctx -> runs.incrementAndGet()));
    // First sight records the current tick without running it.
    a.runMaintenanceNow();
    b.runMaintenanceNow();
    for (int minute = 1; minute <= 5; minute++) {
      clock.advance(Duration.ofMinutes(1));
      // Both nodes try; the leader guard and the tick row let only one enqueue.
      a.runMaintenanceNow();
      b.runMaintenanceNow();
      exec("UPDATE courier_leader SET expires_at = now() - interval '1 hour'");
      b.runMaintenanceNow();
      a.runMaintenanceNow();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 5 && completed() == 5);
    Thread.sleep(300);
    assertThat(runs.get()).isEqualTo(5);
    assertThat(scalar("SELECT count(DISTINCT scheduled_at) FROM courier_job")).isEqualTo(5);
  }

  @Test
  void onlyOneLeaderAndAnotherTakesOverWhenItStops() {
    CourierQueue a = started(engine().nodeId("a").knownKind("x"));
    CourierQueue b = started(engine().nodeId("b").knownKind("x"));
    await().atMost(Duration.ofSeconds(10)).until(() -> a.isLeader() || b.isLeader());
    assertThat(a.isLeader() && b.isLeader()).isFalse();
    CourierQueue leader = a.isLeader() ? a : b;
    CourierQueue other = leader == a ? b : a;
    leader.stop(Duration.ofSeconds(1));
    await().atMost(Duration.ofSeconds(10)).until(other::isLeader);
  }
}
