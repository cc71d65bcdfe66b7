package dev.courier.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.courier.queue.testing.DatabaseTest;
import dev.courier.queue.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

@DatabaseTest
class JobLifecycleTest extends EngineTestBase {

  @Test
  void runsAJobToCompletionWithResultAndEvents() {
    List<JobEvent> events = new CopyOnWriteArrayList<>();
    CourierQueue q =
        started(
            engine()
                .listener(events::add)
                .worker("greet", Args.class, ctx -> ctx.result(Map.of("said", "hello " + ctx.args().value()))));

    long id = q.enqueue(JobRequest.of("greet", new Args("ana"))).id();

    await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(q, id) == JobState.COMPLETED);
    Job job = q.job(id).orElseThrow();
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.resultJson()).isEqualTo("{\"said\": \"hello ana\"}");
    assertThat(job.finalizedAt()).isNotNull();
    assertThat(job.leaseExpiresAt()).isNull();
    await().untilAsserted(
        () ->
            assertThat(events.stream().filter(e -> e.jobId() == id).map(JobEvent::to))
                .containsExactly(JobState.AVAILABLE, JobState.RUNNING, JobState.COMPLETED));
  }

  @Test
  void retriesWithBackoffUntilMaxAttemptsThenDiscards() {
    TestClock clock = TestClock.atNow();
    AtomicInteger runs = new AtomicInteger();
    CourierQueue q =
        started(
            engine()
                .clock(clock)
                .worker(
                    "flaky",
                    Args.class,
                    ctx -> {
                      runs.incrementAndGet();
                      throw new IllegalStateException("boom " + ctx.attempt());
                    },
                    WorkerOptions.defaults()
                        .withRetryPolicy(new ExponentialBackoff(Duration.ofSeconds(10), Duration.ofMinutes(5), 0))));

    long id = q.enqueue(JobRequest.of("flaky", new Args("x")).withMaxAttempts(3)).id();

    await().until(() -> stateOf(q, id) == JobState.RETRYABLE);
    Job afterFirst = q.job(id).orElseThrow();
    // First backoff is the base: 10 s after the failure, measured on the injected clock.
    assertThat(afterFirst.scheduledAt()).isEqualTo(clock.instant().plusSeconds(10));
    assertThat(afterFirst.errors()).hasSize(1);
    assertThat(afterFirst.errors().get(0).message()).isEqualTo("boom 1");
    assertThat(afterFirst.errors().get(0).errorClass()).isEqualTo(IllegalStateException.class.getName());
    assertThat(afterFirst.errors().get(0).trace()).contains("JobLifecycleTest");

    // Not due yet: the promoter leaves it alone.
    clock.advance(Duration.ofSeconds(9));
    q.runMaintenanceNow();
    assertThat(stateOf(q, id)).isEqualTo(JobState.RETRYABLE);

    clock.advance(Duration.ofSeconds(1));
    q.runMaintenanceNow();
    await().until(() -> q.job(id).orElseThrow().attempt() == 2 && stateOf(q, id) == JobState.RETRYABLE);
    // Second backoff doubles.
    assertThat(q.job(id).orElseThrow().scheduledAt()).isEqualTo(clock.instant().plusSeconds(20));

    clock.advance(Duration.ofSeconds(20));
    q.runMaintenanceNow();
    await().until(() -> stateOf(q, id) == JobState.DISCARDED);
    Job dead = q.job(id).orElseThrow();
    assertThat(runs.get()).isEqualTo(3);
    assertThat(dead.errors()).extracting(JobError::attempt).containsExactly(1, 2, 3);
    assertThat(dead.finalizedAt()).isEqualTo(clock.instant());
  }

  @Test
  void permanentFailureDiscardsAtOnce() {
    CourierQueue q =
        started(
            engine().worker("bad", Args.class, ctx -> {
              throw new PermanentJobFailure("recipient does not exist");
            }));
    long id = q.enqueue(JobRequest.of("bad", new Args("x"))).id();
    await().until(() -> stateOf(q, id) == JobState.DISCARDED);
    assertThat(q.job(id).orElseThrow().attempt()).isEqualTo(1);
    assertThat(q.job(id).orElseThrow().errors().get(0).message()).isEqualTo("recipient does not exist");
  }

  @Test
  void snoozeRunsAgainLaterWithoutSpendingAnAttempt() {
    TestClock clock = TestClock.atNow();
    AtomicInteger runs = new AtomicInteger();
    CourierQueue q =
        started(
            engine()
                .clock(clock)
                .worker("sleepy", Args.class, ctx -> {
                  if (runs.incrementAndGet() < 3) {
                    throw ctx.snooze(Duration.ofSeconds(30));
                  }
                }));
    long id = q.enqueue(JobRequest.of("sleepy", new Args("x")).withMaxAttempts(1)).id();

    await().until(() -> stateOf(q, id) == JobState.SCHEDULED);
    Job snoozed = q.job(id).orElseThrow();
    assertThat(snoozed.attempt()).isZero();
    assertThat(snoozed.scheduledAt()).isEqualTo(clock.instant().plusSeconds(30));
    assertThat(snoozed.errors()).isEmpty();

    clock.advance(Duration.ofSeconds(30));
    q.runMaintenanceNow();
    await().until(() -> runs.get() == 2 && stateOf(q, id) == JobState.SCHEDULED);
    clock.advance(Duration.ofSeconds(30));
    q.runMaintenanceNow();
    // max attempts is 1, yet it ran three times: snoozes spent nothing.
    await().until(() -> stateOf(q, id) == JobState.COMPLETED);
    assertThat(runs.get()).isEqualTo(3);
    assertThat(q.job(id).orElseThrow().attempt()).isEqualTo(1);
  }

  @Test
  void scheduledJobWaitsForItsTimeThenRuns() {
    TestClock clock = TestClock.atNow();
    CountDownLatch ran = new CountDownLatch(1);
    CourierQueue q = started(engine().clock(clock).worker("later", Args.class, ctx -> ran.countDown()));
    long id = q.enqueue(JobRequest.of("later", new Args("x")).withDelay(Duration.ofMinutes(5))).id();
    assertThat(stateOf(q, id)).isEqualTo(JobState.SCHEDULED);
    q.runMaintenanceNow();
    assertThat(stateOf(q, id)).isEqualTo(JobState.SCHEDULED);
    clock.advance(Duration.ofMinutes(5));
    q.runMaintenanceNow();
    await().until(() -> stateOf(q, id) == JobState.COMPLETED);
    assertThat(ran.getCount()).isZero();
  }

  @Test
  void cancelsScheduledAndRunningJobs() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    Map<Long, Boolean> sawCancel = new ConcurrentHashMap<>();
    CourierQueue q =
        started(
            engine().worker("long", Args.class, ctx -> {
              started.countDown();
              try {
                Thread.sleep(30_000);
              } catch (InterruptedException e) {
                sawCancel.put(ctx.job().id(), ctx.isCancelled());
                throw e;
              }
            }));

    long scheduled = q.enqueue(JobRequest.of("long", new Args("s")).withDelay(Duration.ofHours(1))).id();
    assertThat(q.cancel(scheduled)).contains(JobState.CANCELLED);
    assertThat(q.job(scheduled).orElseThrow().finalizedAt()).isNotNull();

    long running = q.enqueue(JobRequest.of("long", new Args("r"))).id();
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(q.cancel(running)).contains(JobState.RUNNING);
    await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(q, running) == JobState.CANCELLED);
    assertThat(sawCancel).containsEntry(running, true);

    // Finished jobs cannot be cancelled; unknown ids are empty.
    assertThat(q.cancel(running)).contains(JobState.CANCELLED);
    assertThat(q.cancel(987654321L)).isEmpty();
  }

  @Test
  void adminRetryDiscardAndDelete() {
    CourierQueue q =
        started(engine().worker("bad", Args.class, ctx -> {
          throw new PermanentJobFailure("no");
        }));
    long id = q.enqueue(JobRequest.of("bad", new Args("x"))).id();
    await().until(() -> stateOf(q, id) == JobState.DISCARDED);

    assertThat(q.retry(id)).isTrue();
    await().until(() -> q.job(id).orElseThrow().attempt() == 2 && stateOf(q, id) == JobState.DISCARDED);

    long waiting = q.enqueue(JobRequest.of("bad", new Args("y")).withDelay(Duration.ofHours(1))).id();
    assertThat(q.discard(waiting)).isTrue();
    assertThat(stateOf(q, waiting)).isEqualTo(JobState.DISCARDED);
    assertThat(q.discard(waiting)).isFalse();

    assertThat(q.delete(waiting)).isTrue();
    assertThat(q.job(waiting)).isEmpty();
    assertThat(q.retryDiscarded(JobRequest.DEFAULT_QUEUE)).isEqualTo(1);
  }

  @Test
  void timeoutInterruptsAndFailsTheAttempt() {
    CourierQueue q =
        started(
            engine().worker("slow", Args.class, ctx -> Thread.sleep(60_000),
                WorkerOptions.defaults().withTimeout(Duration.ofMillis(300))));
    long id = q.enqueue(JobRequest.of("slow", new Args("x")).withMaxAttempts(1)).id();
    await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(q, id) == JobState.DISCARDED);
    assertThat(q.job(id).orElseThrow().errors().get(0).message()).contains("ran longer than its timeout");
  }

  @Test
  void progressIsVisibleWhileRunning() throws Exception {
    CountDownLatch reported = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    CourierQueue q =
        started(engine().worker("p", Args.class, ctx -> {
          ctx.progress(40);
          reported.countDown();
          finish.await();
        }));
    long id = q.enqueue(JobRequest.of("p", new Args("x"))).id();
    assertThat(reported.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(q.job(id).orElseThrow().progress()).isEqualTo(40);
    finish.countDown();
    await().until(() -> stateOf(q, id) == JobState.COMPLETED);
    assertThat(q.job(id).orElseThrow().progress()).isEqualTo(100);
  }

  @Test
  void rejectsBadInputNamingTheFieldAndInsertsNothing() throws Exception {
    CourierQueue q = built(engine().worker("k", Args.class, ctx -> {}));
    assertThatThrownBy(() -> q.enqueue(JobRequest.of("nope", new Args("x"))))
        .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.field()).isEqualTo("kind"));
    assertThatThrownBy(() -> q.enqueue(JobRequest.of("k", new Args("x")).withPriority(10)))
        .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.field()).isEqualTo("priority"));
    assertThatThrownBy(() -> q.enqueue(JobRequest.of("k", new Args("x")).withDelay(Duration.ofSeconds(-1))))
        .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.field()).isEqualTo("delay"));
    assertThatThrownBy(() -> q.enqueue(JobRequest.of("k", new Args("x")).withMaxAttempts(0)))
        .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.field()).isEqualTo("maxAttempts"));
    assertThatThrownBy(() -> q.enqueue(JobRequest.of("k", new Object() {
      @SuppressWarnings("unused")
      public Object getSelf() {
        throw new IllegalStateException("cannot serialize me");
      }
    }))).isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.field()).isEqualTo("args"));
    assertThatThrownBy(() -> JobRequest.of("k", new Args("x")).withPriority("later"))
        .hasMessageContaining("priority");
    // In a batch, the index of the bad item is named and nothing of the batch is inserted.
    assertThatThrownBy(
            () -> q.enqueueMany(List.of(JobRequest.of("k", new Args("ok")), JobRequest.of("k", new Args("x")).withPriority(-1))))
        .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.field()).isEqualTo("[1].priority"));
    assertThat(scalar("SELECT count(*) FROM courier_job")).isZero();
  }

  @Test
  void priorityNamesAndOrder() {
    assertThat(Priority.parse("urgent")).isZero();
    assertThat(Priority.parse("HIGH")).isEqualTo(2);
    assertThat(Priority.parse("normal")).isEqualTo(5);
    assertThat(Priority.parse("low")).isEqualTo(7);
    assertThat(Priority.parse("bulk")).isEqualTo(9);
    assertThat(Priority.parse("3")).isEqualTo(3);

    List<String> order = new CopyOnWriteArrayList<>();
    CourierQueue q = built(engine().queue(new QueueConfig("default", 1, 0)).worker("o", Args.class, ctx -> order.add(ctx.args().value())));
    q.enqueueMany(
        List.of(
            JobRequest.of("o", new Args("bulk-1")).withPriority("bulk"),
            JobRequest.of("o", new Args("normal-1")),
            JobRequest.of("o", new Args("urgent-1")).withPriority("urgent"),
            JobRequest.of("o", new Args("bulk-2")).withPriority("bulk"),
            JobRequest.of("o", new Args("urgent-2")).withPriority(0)));
    q.start();
    await().until(() -> order.size() == 5);
    assertThat(order).containsExactly("urgent-1", "urgent-2", "normal-1", "bulk-1", "bulk-2");
  }

  @Test
  void stateMachineTableMatchesTheDesign() {
    assertThat(JobState.AVAILABLE.canMoveTo(JobState.RUNNING)).isTrue();
    assertThat(JobState.RUNNING.canMoveTo(JobState.RETRYABLE)).isTrue();
    assertThat(JobState.RETRYABLE.canMoveTo(JobState.RUNNING)).isFalse();
    assertThat(JobState.COMPLETED.canMoveTo(JobState.RUNNING)).isFalse();
    assertThat(JobState.SCHEDULED.canMoveTo(JobState.COMPLETED)).isFalse();
    for (JobState s : JobState.values()) {
      assertThat(s.isFinal()).isEqualTo(s == JobState.COMPLETED || s == JobState.CANCELLED || s == JobState.DISCARDED);
      assertThat(JobState.fromWire(s.wireName())).isEqualTo(s);
    }
  }

  @Test
  void cleansFinalizedJobsByAgeAndCountsCheaply() throws Exception {
    TestClock clock = TestClock.atNow();
    CourierQueue q = started(engine().clock(clock).worker("n", Args.class, ctx -> {}));
    List<EnqueueResult> r = q.enqueueMany(java.util.stream.IntStream.range(0, 50).mapToObj(i -> JobRequest.of("n", new Args("" + i))).toList());
    await().until(() -> r.stream().allMatch(x -> stateOf(q, x.id()) == JobState.COMPLETED));
    q.runMaintenanceNow();
    assertThat(q.queueStats()).singleElement().satisfies(s -> {
      assertThat(s.count(JobState.COMPLETED)).isEqualTo(50);
      assertThat(s.count(JobState.AVAILABLE)).isZero();
    });
    assertThat(q.clean(JobState.COMPLETED, Duration.ofHours(1))).isZero();
    clock.advance(Duration.ofHours(25));
    // The leader's retention cleaner (completed: 24 h) removes them.
    q.runMaintenanceNow();
    assertThat(scalar("SELECT count(*) FROM courier_job")).isZero();
    q.runMaintenanceNow();
    assertThat(q.queueStats().get(0).count(JobState.COMPLETED)).isZero();
  }

  @Test
  void listsJobsWithCursorPaging() {
    CourierQueue q = built(engine().worker("l", Args.class, ctx -> {}));
    q.enqueueMany(java.util.stream.IntStream.range(0, 25).mapToObj(i -> JobRequest.of("l", new Args("" + i))).toList());
    Page<Job> first = q.jobs(JobQuery.all().withState(JobState.AVAILABLE).withLimit(10));
    Page<Job> second = q.jobs(JobQuery.all().withState(JobState.AVAILABLE).withLimit(10).withCursor(first.nextCursor()));
    Page<Job> third = q.jobs(JobQuery.all().withState(JobState.AVAILABLE).withLimit(10).withCursor(second.nextCursor()));
    assertThat(first.items()).hasSize(10);
    assertThat(second.items()).hasSize(10);
    assertThat(third.items()).hasSize(5);
    assertThat(third.nextCursor()).isNull();
    assertThat(first.items().get(0).id()).isGreaterThan(second.items().get(0).id());
    assertThat(q.jobs(JobQuery.all().withKind("other")).items()).isEmpty();
    assertThatThrownBy(() -> q.jobs(JobQuery.all().withCursor("abc"))).hasMessageContaining("cursor");
  }

  @Test
  void jobsOfUnknownKindFailWithAClearError() {
    CourierQueue client = built(engine().knownKind("orphan"));
    long id = client.enqueue(JobRequest.of("orphan", new Args("x")).withMaxAttempts(1)).id();
    started(engine().worker("other", Args.class, ctx -> {}));
    await().until(() -> stateOf(client, id) == JobState.DISCARDED);
    assertThat(client.job(id).orElseThrow().errors().get(0).message()).contains("no worker for kind 'orphan'");
  }

  @Test
  void runAtInThePastRunsNow() {
    CourierQueue q = built(engine().worker("k", Args.class, ctx -> {}));
    long id = q.enqueue(JobRequest.of("k", new Args("x")).withRunAt(Instant.now().minusSeconds(60))).id();
    assertThat(stateOf(q, id)).isEqualTo(JobState.AVAILABLE);
  }
}
