package dev.courier.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.courier.queue.testing.DatabaseTest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A job enqueued on a node whose runner for its queue is idle is inserted already running under
 * that node's lease and started after the commit, with no claim in between; everything else goes
 * through the claim. A handed-off job's attempt starts in the statement that creates it, so its
 * {@code attempted_at} equals its {@code created_at}; a claimed job's is later.
 */
@DatabaseTest
class HandOffTest extends EngineTestBase {
  private static final Duration NO_POLLING = Duration.ofHours(1);
  private static final String HANDED_OFF =
      "SELECT count(*) FROM courier_job WHERE id = ? AND attempted_at = created_at AND attempted_by IS NOT NULL";

  @Test
  void aJobEnqueuedOnAnIdleNodeStartsWithoutAClaim() throws Exception {
    ConcurrentLinkedQueue<JobEvent> events = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> ran = new ConcurrentLinkedQueue<>();
    CourierQueue q = started(engine().pollInterval(NO_POLLING)
        .worker("w", Args.class, ctx -> ran.add(ctx.args().value()))
        .listener(events::add));
    Thread.sleep(300); // the runner's first claim found the queue empty

    long id = q.enqueue(JobRequest.of("w", new Args("now")).withTags(List.of("t1"))).id();

    await().atMost(Duration.ofSeconds(3)).until(() -> stateOf(q, id) == JobState.COMPLETED);
    assertThat(ran).containsExactly("now");
    assertThat(scalar(HANDED_OFF, id)).as("inserted running, not claimed").isEqualTo(1);
    Job job = q.job(id).orElseThrow();
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.tags()).containsExactly("t1");
    assertThat(events.stream().filter(e -> e.jobId() == id).map(JobEvent::to))
        .containsExactly(JobState.AVAILABLE, JobState.RUNNING, JobState.COMPLETED);

    // Jobs that must be decided by the database (unique key, order key, a delay) take the claim.
    long unique = q.enqueue(JobRequest.of("w", new Args("unique")).withUniqueKey("u1")).id();
    long ordered = q.enqueue(JobRequest.of("w", new Args("ordered")).withOrderKey("k1")).id();
    long later = q.enqueue(JobRequest.of("w", new Args("later")).withDelay(Duration.ofMillis(200))).id();
    await().atMost(Duration.ofSeconds(5)).until(() -> List.of(unique, ordered, later).stream()
        .allMatch(j -> stateOf(q, j) == JobState.COMPLETED));
    for (long claimed : List.of(unique, ordered, later)) {
      assertThat(scalar(HANDED_OFF, claimed)).as("job %d was claimed", claimed).isZero();
    }
  }

  @Test
  void aJobEnqueuedWhileEveryWorkerIsBusyWaitsForAClaimInPriorityOrder() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ConcurrentLinkedQueue<String> ran = new ConcurrentLinkedQueue<>();
    CourierQueue q = started(engine().pollInterval(NO_POLLING)
        .queue(QueueConfig.of("default", 1))
        .worker("w", Args.class, ctx -> {
          ran.add(ctx.args().value());
          if (ctx.args().value().equals("blocker")) {
            release.await(10, TimeUnit.SECONDS);
          }
        }));
    Thread.sleep(300);

    long blocker = q.enqueue(JobRequest.of("w", new Args("blocker"))).id();
    await().atMost(Duration.ofSeconds(3)).until(() -> ran.contains("blocker"));
    long low = q.enqueue(JobRequest.of("w", new Args("low")).withPriority(9)).id();
    long high = q.enqueue(JobRequest.of("w", new Args("high")).withPriority(0)).id();
    Thread.sleep(200);
    assertThat(stateOf(q, low)).as("no free worker: not handed off, not started").isIn(JobState.AVAILABLE, JobState.RUNNING);
    assertThat(ran).containsExactly("blocker");

    release.countDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> stateOf(q, low) == JobState.COMPLETED);
    assertThat(ran).containsExactly("blocker", "high", "low");
    assertThat(scalar(HANDED_OFF, blocker)).isEqualTo(1);
    assertThat(scalar(HANDED_OFF, low) + scalar(HANDED_OFF, high)).as("both claimed").isZero();
  }

  @Test
  void aPausedQueueTakesNoHandOff() throws Exception {
    ConcurrentLinkedQueue<String> ran = new ConcurrentLinkedQueue<>();
    CourierQueue q = started(engine().worker("w", Args.class, ctx -> ran.add(ctx.args().value())));
    q.pause("default");
    Thread.sleep(1_500); // a pause takes effect on every node within a second

    long id = q.enqueue(JobRequest.of("w", new Args("paused"))).id();
    Thread.sleep(300);
    assertThat(stateOf(q, id)).isEqualTo(JobState.AVAILABLE);
    assertThat(ran).isEmpty();

    q.resume("default");
    await().atMost(Duration.ofSeconds(5)).until(() -> stateOf(q, id) == JobState.COMPLETED);
    assertThat(scalar(HANDED_OFF, id)).isZero();
  }
}
