package dev.courier.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.courier.queue.testing.DatabaseTest;
import dev.courier.queue.testing.TestDatabase;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Two engine nodes share limiters: whatever the rate, burst, quota and job count, no window of
 * time ever sees more starts than the token bucket allows, a quota is never exceeded, and jobs
 * keep running as the limit allows (nothing starved).
 */
@DatabaseTest
@net.jqwik.api.Tag("database") // jqwik reads its own tag for the external-database pass
class LimiterPropertyTest {
  private HikariDataSource db;

  @BeforeProperty
  void database() {
    db = TestDatabase.migratedDataSource();
  }

  @AfterProperty
  void close() {
    db.close();
  }

  @Property(tries = 4, seed = "7")
  void twoNodesNeverExceedTheRateOrTheQuota(
      @ForAll @IntRange(min = 10, max = 40) int ratePerSecond,
      @ForAll @IntRange(min = 1, max = 8) int burst,
      @ForAll @IntRange(min = 20, max = 60) int quota,
      @ForAll @IntRange(min = 1, max = 3) int chats)
      throws Exception {
    try (var c = db.getConnection(); var st = c.createStatement()) {
      st.execute("TRUNCATE courier_job, courier_limiter, courier_limiter_state, courier_limiter_wake, courier_order_key");
    }
    AtomicInteger runs = new AtomicInteger();
    List<CourierQueue> nodes = new ArrayList<>();
    for (int n = 0; n < 2; n++) {
      nodes.add(
          CourierQueue.builder(db)
              .nodeId("node-" + n)
              .pollInterval(Duration.ofMillis(20))
              .queue("default", 8)
              .worker("send", EngineTestBase.Args.class, ctx -> runs.incrementAndGet())
              .build());
    }
    nodes.get(0).setLimiter("instance:*", LimiterConfig.none()
        .withRate(ratePerSecond, Duration.ofSeconds(1), burst)
        .withDaily(quota, ZoneId.of("America/Sao_Paulo")));
    int jobs = quota + 15;
    nodes.get(0).enqueueMany(
        IntStream.range(0, jobs)
            .mapToObj(i -> JobRequest.of("send", new EngineTestBase.Args("" + i))
                .withLimiterKeys(List.of("instance:1"))
                .withOrderKey("chat:" + (i % chats)))
            .toList());
    nodes.forEach(CourierQueue::start);
    try {
      // The quota is reached at the rate: allow for the burst and a generous margin.
      long expectedMs = (long) Math.ceil((quota - burst) * 1000.0 / ratePerSecond);
      await().atMost(Duration.ofMillis(expectedMs + 15_000)).until(() -> runs.get() >= quota);
      Thread.sleep(500);
    } finally {
      for (CourierQueue q : nodes) {
        q.stop(Duration.ofSeconds(2));
      }
    }
    assertThat(runs.get()).as("daily quota").isEqualTo(quota);
    List<Long> startsMicros = new ArrayList<>();
    try (var c = db.getConnection(); var st = c.createStatement();
        ResultSet rs = st.executeQuery(
            "SELECT (extract(epoch FROM attempted_at) * 1000000)::bigint FROM courier_job"
                + " WHERE attempted_at IS NOT NULL ORDER BY attempted_at")) {
      while (rs.next()) {
        startsMicros.add(rs.getLong(1));
      }
    }
    assertThat(startsMicros).hasSize(quota);
    // Token bucket: any span [t_i, t_j] holds at most burst + rate × span starts.
    for (int i = 0; i < startsMicros.size(); i++) {
      for (int j = i; j < startsMicros.size(); j++) {
        double span = (startsMicros.get(j) - startsMicros.get(i)) / 1e6;
        int count = j - i + 1;
        assertThat((double) count).as("starts %d..%d over %.3f s", i, j, span)
            .isLessThanOrEqualTo(burst + ratePerSecond * span + 1e-6);
      }
    }
  }
}
