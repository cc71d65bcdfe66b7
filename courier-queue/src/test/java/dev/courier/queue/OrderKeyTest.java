package dev.courier.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.courier.queue.testing.DatabaseTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

@DatabaseTest
class OrderKeyTest extends EngineTestBase {

  /** Records starts and checks that no two jobs of one key ever overlap. */
  static final class KeyWatch {
    final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    final List<String> starts = new CopyOnWriteArrayList<>();
    final AtomicInteger overlaps = new AtomicInteger();

    void run(String key, String label, long sleepMs) throws InterruptedException {
      AtomicInteger r = running.computeIfAbsent(key, k -> new AtomicInteger());
      if (r.incrementAndGet() > 1) {
        overlaps.incrementAndGet();
      }
      starts.add(label);
      try {
        Thread.sleep(sleepMs);
      } finally {
        r.decrementAndGet();
      }
    }
  }

  @Test
  void jobsOfOneKeyRunOneAtATimeInPriorityThenEnqueueOrder() {
    KeyWatch watch = new KeyWatch();
    CourierQueue q =
        built(engine().queue("default", 8).worker("o", Args.class, ctx -> watch.run("chat-1", ctx.args().value(), 5)));
    q.enqueueMany(
        List.of(
            JobRequest.of("o", new Args("b1")).withPriority("bulk").withOrderKey("chat-1"),
            JobRequest.of("o", new Args("n1")).withOrderKey("chat-1"),
            JobRequest.of("o", new Args("b2")).withPriority("bulk").withOrderKey("chat-1"),
            JobRequest.of("o", new Args("u1")).withPriority("urgent").withOrderKey("chat-1"),
            JobRequest.of("o", new Args("n2")).withOrderKey("chat-1")));
    q.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.starts.size() == 5);
    assertThat(watch.starts).containsExactly("u1", "n1", "n2", "b1", "b2");
    assertThat(watch.overlaps.get()).isZero();
  }

  @Test
  void aLaterUrgentJobOvertakesAHeadThatHasNotStartedAndEqualsQueueBehindIt() {
    KeyWatch watch = new KeyWatch();
    CourierQueue q =
        built(engine().queue("default", 8).worker("o", Args.class, ctx -> watch.run("chat-1", ctx.args().value(), 5)));
    // One statement each: every later job meets a key whose head is waiting, not running.
    q.enqueue(JobRequest.of("o", new Args("n1")).withOrderKey("chat-1"));
    q.enqueue(JobRequest.of("o", new Args("n2")).withOrderKey("chat-1"));
    q.enqueue(JobRequest.of("o", new Args("u1")).withPriority("urgent").withOrderKey("chat-1"));
    q.enqueue(JobRequest.of("o", new Args("b1")).withPriority("bulk").withOrderKey("chat-1"));
    q.enqueue(JobRequest.of("o", new Args("u2")).withPriority("urgent").withOrderKey("chat-1"));
    q.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.starts.size() == 5);
    assertThat(watch.starts).containsExactly("u1", "u2", "n1", "n2", "b1");
    assertThat(watch.overlaps.get()).isZero();
  }

  @Test
  void urgentJumpsAheadOfWaitingJobsButNeverBesideTheRunningOne() throws Exception {
    KeyWatch watch = new KeyWatch();
    CountDownLatch firstRunning = new CountDownLatch(1);
    CourierQueue q =
        started(engine().queue("default", 8).worker("o", Args.class, ctx -> {
          if (ctx.args().value().equals("bulk-0")) {
            firstRunning.countDown();
          }
          watch.run("k", ctx.args().value(), 150);
        }));
    q.enqueueMany(IntStream.range(0, 4).mapToObj(i -> JobRequest.of("o", new Args("bulk-" + i)).withPriority("bulk").withOrderKey("k")).toList());
    assertThat(firstRunning.await(10, TimeUnit.SECONDS)).isTrue();
    q.enqueue(JobRequest.of("o", new Args("urgent")).withPriority("urgent").withOrderKey("k"));
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.starts.size() == 5);
    assertThat(watch.starts).containsExactly("bulk-0", "urgent", "bulk-1", "bulk-2", "bulk-3");
    assertThat(watch.overlaps.get()).isZero();
  }

  @Test
  void aFailedHeadHoldsItsKeyIsListedAsBlockedAndOtherKeysGoOn() {
    AtomicInteger headRuns = new AtomicInteger();
    List<String> done = new CopyOnWriteArrayList<>();
    CourierQueue q =
        started(engine().worker("o", Args.class, ctx -> {
          if (ctx.args().value().equals("a-head") && headRuns.incrementAndGet() == 1) {
            throw new IllegalStateException("provider timed out");
          }
          done.add(ctx.args().value());
        }, WorkerOptions.defaults().withRetryPolicy(new ExponentialBackoff(Duration.ofSeconds(2), Duration.ofSeconds(2), 0))));
    q.enqueueMany(
        List.of(
            JobRequest.of("o", new Args("a-head")).withOrderKey("a"),
            JobRequest.of("o", new Args("a-next")).withOrderKey("a"),
            JobRequest.of("o", new Args("b-1")).withOrderKey("b"),
            JobRequest.of("o", new Args("b-2")).withOrderKey("b")));
    await().atMost(Duration.ofSeconds(10)).until(() -> done.containsAll(List.of("b-1", "b-2")));
    // While the head waits for its retry nothing behind it runs, and the key shows as blocked.
    assertThat(done).doesNotContain("a-next");
    List<BlockedOrderKey> blocked = q.blockedOrderKeys(null, 10);
    assertThat(blocked).singleElement().satisfies(b -> {
      assertThat(b.key()).isEqualTo("a");
      assertThat(b.errorMessage()).isEqualTo("provider timed out");
      assertThat(b.waiting()).isEqualTo(1);
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> done.contains("a-next"));
    assertThat(done.indexOf("a-head")).isLessThan(done.indexOf("a-next"));
    assertThat(q.blockedOrderKeys(null, 10)).isEmpty();
  }

  @Test
  void cancellingOrDiscardingTheHeadReleasesTheNext() {
    List<String> done = new CopyOnWriteArrayList<>();
    CourierQueue q =
        started(engine().worker("o", Args.class, ctx -> {
          if (ctx.args().value().startsWith("head")) {
            throw new IllegalStateException("fails");
          }
          done.add(ctx.args().value());
        }, WorkerOptions.defaults().withRetryPolicy(new ExponentialBackoff(Duration.ofHours(1), Duration.ofHours(1), 0))));
    List<EnqueueResult> r =
        q.enqueueMany(
            List.of(
                JobRequest.of("o", new Args("head-a")).withOrderKey("a"),
                JobRequest.of("o", new Args("next-a")).withOrderKey("a"),
                JobRequest.of("o", new Args("head-b")).withOrderKey("b"),
                JobRequest.of("o", new Args("next-b")).withOrderKey("b")));
    await().until(() -> stateOf(q, r.get(0).id()) == JobState.RETRYABLE && stateOf(q, r.get(2).id()) == JobState.RETRYABLE);
    assertThat(done).isEmpty();
    assertThat(q.cancel(r.get(0).id())).contains(JobState.CANCELLED);
    assertThat(q.discard(r.get(2).id())).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> done.size() == 2);
    assertThat(done).containsExactlyInAnyOrder("next-a", "next-b");
  }

  @Test
  void heldKeyWaitsForTheReleaseSignalOrItsTimeout() throws Exception {
    List<String> done = new CopyOnWriteArrayList<>();
    CourierQueue q = started(engine().worker("o", Args.class, ctx -> done.add(ctx.args().value())));
    OrderKey held = OrderKey.of("chat").withHold(Duration.ofHours(1));
    List<EnqueueResult> r =
        q.enqueueMany(
            List.of(
                JobRequest.of("o", new Args("first")).withOrderKey(held),
                JobRequest.of("o", new Args("second")).withOrderKey(held),
                JobRequest.of("o", new Args("third")).withOrderKey(OrderKey.of("chat").withHold(Duration.ofMillis(300)))));
    await().until(() -> stateOf(q, r.get(0).id()) == JobState.COMPLETED);
    Thread.sleep(500);
    assertThat(done).containsExactly("first");
    // The provider reports "sent" for the first message: the next one may go.
    assertThat(q.releaseOrderKey(r.get(0).id())).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> done.size() == 2);
    // A release signal that arrives before completion is remembered: no hold at all.
    q.releaseOrderKey(r.get(1).id());
    // The third job's own hold is short: the key frees itself when it runs out.
    await().atMost(Duration.ofSeconds(10)).until(() -> done.size() == 3);
    long after = q.enqueue(JobRequest.of("o", new Args("fourth")).withOrderKey("chat")).id();
    await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(q, after) == JobState.COMPLETED);
    assertThat(done).containsExactly("first", "second", "third", "fourth");
  }

  @Test
  void anUnavailableResourceSnoozesWithoutAnAttemptAndKeepsTheKey() throws Exception {
    dev.courier.queue.testing.TestClock clock = dev.courier.queue.testing.TestClock.atNow();
    List<String> done = new CopyOnWriteArrayList<>();
    AtomicInteger tries = new AtomicInteger();
    CourierQueue q =
        started(engine().clock(clock).worker("o", Args.class, ctx -> {
          if (ctx.args().value().equals("first") && tries.incrementAndGet() == 1) {
            throw new ResourceUnavailable("instance disconnected");
          }
          done.add(ctx.args().value());
        }));
    List<EnqueueResult> r =
        q.enqueueMany(List.of(
            JobRequest.of("o", new Args("first")).withOrderKey("chat").withMaxAttempts(1),
            JobRequest.of("o", new Args("second")).withOrderKey("chat")));
    await().until(() -> stateOf(q, r.get(0).id()) == JobState.SCHEDULED);
    Job waiting = q.job(r.get(0).id()).orElseThrow();
    assertThat(waiting.attempt()).isZero();
    assertThat(waiting.scheduledAt()).isEqualTo(clock.instant().plusSeconds(30));
    Thread.sleep(500);
    assertThat(done).isEmpty();
    clock.advance(Duration.ofSeconds(30));
    q.runMaintenanceNow();
    await().atMost(Duration.ofSeconds(10)).until(() -> done.size() == 2);
    assertThat(done).containsExactly("first", "second");
  }

  @Test
  void retryingAWaitingHeadRunsItNowAndKeepsTheOrder() throws Exception {
    List<String> done = new CopyOnWriteArrayList<>();
    AtomicInteger tries = new AtomicInteger();
    CourierQueue q =
        started(engine().worker("o", Args.class, ctx -> {
          if (ctx.args().value().equals("first") && tries.incrementAndGet() == 1) {
            throw new ResourceUnavailable("instance disconnected", Duration.ofHours(1));
          }
          done.add(ctx.args().value());
        }));
    List<EnqueueResult> r =
        q.enqueueMany(List.of(
            JobRequest.of("o", new Args("first")).withOrderKey("chat"),
            JobRequest.of("o", new Args("second")).withOrderKey("chat")));
    await().until(() -> stateOf(q, r.get(0).id()) == JobState.SCHEDULED);
    // The head waits an hour while holding its key; retrying it must run it now, not strand it.
    assertThat(q.retry(r.get(0).id())).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> done.size() == 2);
    assertThat(done).containsExactly("first", "second");
  }

  @Test
  void pacingChainSpacesJobsOfOneKeyEvenWhenEnqueuedInABurst() throws Exception {
    CourierQueue q = started(engine().worker("o", Args.class, ctx -> {}));
    OrderKey chained = OrderKey.of("chat").withChain(Duration.ofMillis(400), Duration.ofMillis(200));
    List<EnqueueResult> r =
        q.enqueueMany(IntStream.range(0, 4).mapToObj(i -> JobRequest.of("o", new Args("" + i)).withOrderKey(chained)).toList());
    await().atMost(Duration.ofSeconds(15)).until(() -> r.stream().allMatch(x -> stateOf(q, x.id()) == JobState.COMPLETED));
    List<Job> jobs = new ArrayList<>();
    for (EnqueueResult e : r) {
      jobs.add(q.job(e.id()).orElseThrow());
    }
    for (int i = 1; i < jobs.size(); i++) {
      Duration gap = Duration.between(jobs.get(i - 1).attemptedAt(), jobs.get(i).attemptedAt());
      assertThat(gap).isGreaterThanOrEqualTo(Duration.ofMillis(400));
      // Scheduled at previous start + 400 ms + up to 200 ms of jitter.
      Duration planned = Duration.between(jobs.get(i - 1).attemptedAt(), jobs.get(i).scheduledAt());
      assertThat(planned).isBetween(Duration.ofMillis(400), Duration.ofMillis(600));
    }
  }

  @Test
  void manyIdleAndBlockedKeysDoNotHoldBackAHotKey() throws Exception {
    CourierQueue q =
        built(engine().queue("default", 4).worker("o", Args.class, ctx -> {
          if (ctx.args().value().startsWith("blocked")) {
            throw new IllegalStateException("down");
          }
        }, WorkerOptions.defaults().withRetryPolicy(new ExponentialBackoff(Duration.ofHours(1), Duration.ofHours(1), 0))));
    // 500 blocked keys, each with a failing head and 3 waiting jobs behind it.
    List<JobRequest> blocked = new ArrayList<>();
    for (int k = 0; k < 500; k++) {
      for (int i = 0; i < 4; i++) {
        blocked.add(JobRequest.of("o", new Args(i == 0 ? "blocked-head" : "blocked-" + i)).withOrderKey("blocked:" + k));
      }
    }
    q.enqueueMany(blocked);
    q.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> scalar("SELECT count(*) FROM courier_job WHERE state = 'retryable'") == 500);
    List<EnqueueResult> hot = q.enqueueMany(IntStream.range(0, 50).mapToObj(i -> JobRequest.of("o", new Args("hot-" + i)).withOrderKey("hot")).toList());
    await().atMost(Duration.ofSeconds(20)).until(() -> hot.stream().allMatch(x -> stateOf(q, x.id()) == JobState.COMPLETED));
    assertThat(scalar("SELECT count(*) FROM courier_job WHERE order_key LIKE 'blocked:%' AND state = 'completed'")).isZero();
    assertThat(q.blockedOrderKeys(null, 1000)).hasSize(500);
  }

  @Test
  void workersCompletedTogetherInOneTransactionHandEachKeyToItsNextJobOnlyWhenItCommits() throws Exception {
    // Three keys, two jobs each; the first job of each key hands its context over and waits.
    List<JobContext<Args>> handedOver = new CopyOnWriteArrayList<>();
    List<String> starts = new CopyOnWriteArrayList<>();
    CountDownLatch recorded = new CountDownLatch(1);
    CourierQueue q =
        started(engine().queue("default", 8).worker("o", Args.class, ctx -> {
          starts.add(ctx.args().value());
          if (ctx.args().value().endsWith("-1")) {
            handedOver.add(ctx);
            recorded.await();
          }
        }));
    List<Long> ids = new ArrayList<>();
    for (String key : List.of("a", "b", "c")) {
      q.enqueueMany(List.of(JobRequest.of("o", new Args(key + "-1")).withOrderKey(key),
          JobRequest.of("o", new Args(key + "-2")).withOrderKey(key))).forEach(r -> ids.add(r.id()));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> handedOver.size() == 3);

    try (var c = db.getConnection()) {
      c.setAutoCommit(false);
      assertThat(q.completeWithin(c, handedOver)).containsExactly(true, true, true);
      c.rollback();
    }
    // Rolled back: nothing completed and no key moved on.
    Thread.sleep(300);
    assertThat(starts).hasSize(3);
    assertThat(handedOver).allSatisfy(ctx -> assertThat(stateOf(q, ctx.job().id())).isEqualTo(JobState.RUNNING));

    try (var c = db.getConnection()) {
      c.setAutoCommit(false);
      assertThat(q.completeWithin(c, handedOver)).containsExactly(true, true, true);
      c.commit();
    }
    recorded.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> ids.stream().allMatch(id -> stateOf(q, id) == JobState.COMPLETED));
    assertThat(starts).hasSize(6).containsSubsequence("a-1", "a-2").containsSubsequence("b-1", "b-2")
        .containsSubsequence("c-1", "c-2");
    // Completed once each: by the transaction, not again by the engine when the workers returned.
    assertThat(scalar("SELECT count(*) FROM courier_job WHERE state = 'completed' AND attempt = 1")).isEqualTo(6);
  }

  @Test
  void twoTransactionsStartingTheSameNewKeyAtOnceStillRunItsJobsOneAtATimeInOrder() throws Exception {
    // Both transactions see no row for the key and insert their first job ungated; the second waits
    // for the first's key row, finds it taken, and gates its own jobs again behind it.
    KeyWatch watch = new KeyWatch();
    CourierQueue q = built(engine().queue("default", 8).worker("o", Args.class, ctx -> watch.run("fresh", ctx.args().value(), 20)));
    try (var first = db.getConnection(); var second = db.getConnection()) {
      first.setAutoCommit(false);
      second.setAutoCommit(false);
      q.enqueueMany(first, List.of(JobRequest.of("o", new Args("first-1")).withOrderKey("fresh"),
          JobRequest.of("o", new Args("first-2")).withOrderKey("fresh")));
      var secondDone = new java.util.concurrent.CompletableFuture<Void>();
      Thread.ofVirtual().start(() -> {
        try {
          q.enqueueMany(second, List.of(JobRequest.of("o", new Args("second-1")).withOrderKey("fresh"),
              JobRequest.of("o", new Args("second-2")).withOrderKey("fresh")));
          second.commit();
          secondDone.complete(null);
        } catch (Exception e) {
          secondDone.completeExceptionally(e);
        }
      });
      Thread.sleep(300);
      assertThat(secondDone).as("the second transaction waits for the first one's key row").isNotDone();
      first.commit();
      secondDone.get(10, TimeUnit.SECONDS);
    }
    assertThat(scalar("SELECT count(*) FROM courier_job WHERE order_key = 'fresh' AND NOT order_gate")).isEqualTo(1);
    q.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.starts.size() == 4);
    assertThat(watch.starts).containsExactly("first-1", "first-2", "second-1", "second-2");
    assertThat(watch.overlaps.get()).isZero();
  }

  @Test
  void completingTogetherRefusesAContextThatIsNotRunningOnThisNode() throws Exception {
    List<JobContext<Args>> seen = new CopyOnWriteArrayList<>();
    CourierQueue q = started(engine().queue("default", 2).worker("o", Args.class, seen::add));
    q.enqueue(JobRequest.of("o", new Args("x")));
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(q, seen.get(0).job().id()) == JobState.COMPLETED);
    try (var c = db.getConnection()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> q.completeWithin(c, seen))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("job " + seen.get(0).job().id() + " is not running on this node");
    }
  }
}
