package dev.courier.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.courier.queue.testing.DatabaseTest;
import java.sql.Connection;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Big batches stay linear in their size, also on a database session that ran small ones before. */
@DatabaseTest
class LargeBatchTest extends EngineTestBase {

  @Test
  void tenThousandOrderedLimitedJobsEnqueuedOnAWarmSessionTakeSecondsNotMinutes() throws Exception {
    CourierQueue q = built(engine());
    try (Connection c = db.getConnection()) {
      // Small statements first: the session's triggers cache their plans for tiny transition tables.
      for (int i = 0; i < 10; i++) {
        q.enqueueMany(c, List.of(JobRequest.of("send", new Args("warm-" + i))
            .withOrderKey("warm-" + i).withLimiterKeys(List.of("number:1"), "warm-" + i)));
      }
      List<JobRequest> many = IntStream.range(0, 10_000)
          .mapToObj(i -> JobRequest.of("send", new Args("m-" + i)).withPriority("bulk")
              .withOrderKey("chat-" + i).withLimiterKeys(List.of("number:1"), "r-" + i))
          .toList();
      long t0 = System.nanoTime();
      List<EnqueueResult> results = q.enqueueMany(c, many);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf("enqueueMany of 10000 ordered, limited jobs on a warm session: %d ms%n", ms);
      assertThat(results).hasSize(10_000);
      // Before the transition-table joins were planned per run this took over 30 s.
      assertThat(ms).isLessThan(10_000);
    }
    // Every key was idle, so every job heads its key: ungated and ready for its limiter.
    assertThat(scalar("SELECT count(*) FROM courier_job WHERE state = 'available' AND NOT order_gate")).isEqualTo(10_010);
    assertThat(scalar("SELECT count(*) FROM courier_order_key WHERE active_job_id IS NOT NULL")).isEqualTo(10_010);
    assertThat(scalar("SELECT count(*) FROM courier_limiter_wake WHERE key = 'number:1'")).isPositive();
  }
}
