package dev.courier.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.courier.queue.testing.DatabaseTest;
import dev.courier.queue.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Random enqueue orders, priorities, keys and failures, run by two engine nodes on one database:
 * never two running jobs of one key, jobs of one key and one priority finish in enqueue order,
 * and every job finishes (nothing starved).
 */
@DatabaseTest
@net.jqwik.api.Tag("database") // jqwik reads its own tag for the external-database pass
class OrderKeyPropertyTest {
  record Spec(int key, int priority, boolean failsOnce) {}

  record Done(String key, int priority, long id) {}

  private HikariDataSource db;

  @BeforeProperty
  void database() {
    db = TestDatabase.migratedDataSource();
  }

  @AfterProperty
  void close() {
    db.close();
  }

  @Provide
  Arbitrary<List<List<Spec>>> waves() {
    Arbitrary<Spec> spec =
        Combinators.combine(
                Arbitraries.integers().between(0, 5),
                Arbitraries.of(0, 5, 9),
                Arbitraries.integers().between(0, 9).map(n -> n == 0))
            .as(Spec::new);
    return spec.list().ofMinSize(1).ofMaxSize(25).list().ofMinSize(1).ofMaxSize(4);
  }

  @Property(tries = 6, seed = "4242")
  void perKeyOrderAndExclusionHoldAcrossTwoNodes(@ForAll("waves") List<List<Spec>> waves) throws Exception {
    try (var c = db.getConnection(); var st = c.createStatement()) {
      st.execute("TRUNCATE courier_job, courier_order_key");
    }
    Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    AtomicInteger overlaps = new AtomicInteger();
    Set<Long> failedOnce = ConcurrentHashMap.newKeySet();
    List<Done> done = new CopyOnWriteArrayList<>();
    Worker<Spec> worker =
        ctx -> {
          String key = ctx.job().orderKey();
          AtomicInteger r = running.computeIfAbsent(key, k -> new AtomicInteger());
          if (r.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
          }
          try {
            Thread.sleep(2);
            if (ctx.args().failsOnce() && failedOnce.add(ctx.job().id())) {
              throw new IllegalStateException("first attempt fails");
            }
            done.add(new Done(key, ctx.job().priority(), ctx.job().id()));
          } finally {
            r.decrementAndGet();
          }
        };
    WorkerOptions fastRetry =
        WorkerOptions.defaults().withRetryPolicy(new ExponentialBackoff(Duration.ofMillis(50), Duration.ofMillis(50), 0));
    List<CourierQueue> nodes = new ArrayList<>();
    for (int n = 0; n < 2; n++) {
      nodes.add(
          CourierQueue.builder(db)
              .nodeId("node-" + n)
              .pollInterval(Duration.ofMillis(100))
              .promoteInterval(Duration.ofMillis(50))
              .queue("default", 4)
              .worker("p", Spec.class, worker, fastRetry)
              .build());
    }
    nodes.forEach(CourierQueue::start);
    int total = 0;
    try {
      for (List<Spec> wave : waves) {
        List<JobRequest> requests = new ArrayList<>();
        for (Spec s : wave) {
          requests.add(JobRequest.of("p", s).withPriority(s.priority()).withOrderKey("key-" + s.key()));
        }
        nodes.get(total % 2).enqueueMany(requests);
        total += wave.size();
        Thread.sleep(20);
      }
      int expected = total;
      await().atMost(Duration.ofSeconds(60)).until(() -> done.size() >= expected);
    } finally {
      for (CourierQueue q : nodes) {
        q.stop(Duration.ofSeconds(2));
      }
    }
    assertThat(overlaps.get()).as("two jobs of one key running at once").isZero();
    assertThat(done).hasSize(total);
    // Within a key and a priority, completion follows enqueue order.
    Map<String, List<Done>> byKeyAndPriority = new ConcurrentHashMap<>();
    for (Done d : done) {
      byKeyAndPriority.computeIfAbsent(d.key() + "/" + d.priority(), k -> new ArrayList<>()).add(d);
    }
    for (List<Done> group : byKeyAndPriority.values()) {
      assertThat(group).isSortedAccordingTo(Comparator.comparingLong(Done::id));
    }
  }
}
