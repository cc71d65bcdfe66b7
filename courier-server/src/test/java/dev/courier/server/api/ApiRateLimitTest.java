package dev.courier.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.queue.testing.DatabaseTest;
import dev.courier.queue.testing.TestDatabase;
import dev.courier.server.CourierServer;
import dev.courier.server.testing.Configs;
import dev.courier.server.testing.Http;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-key request rate limit, on a server limited to 5 requests per second per key, burst 10. */
@DatabaseTest
class ApiRateLimitTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN = "ck_test_admin_key_for_rate_limits";
  private static final int RATE = 5;
  private static final int BURST = 10;

  @TempDir static Path dataDir;
  static CourierServer server;

  @BeforeAll
  static void start() throws Exception {
    Map<String, String> env = Configs.externalEnv(dataDir, TestDatabase.createDatabase());
    env.put("COURIER_API_KEY", ADMIN);
    env.put("COURIER_API_RATE_LIMIT", Integer.toString(RATE));
    env.put("COURIER_API_RATE_BURST", Integer.toString(BURST));
    server = CourierServer.start(Configs.load(env));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aHammeredKeyGets429WithRetryAfterWhileAnotherOrganizationsKeyIsUnaffected() throws Exception {
    String noisy = newOrganizationKey("noisy");
    String quiet = newOrganizationKey("quiet");

    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    AtomicInteger ok = new AtomicInteger();
    ConcurrentLinkedQueue<HttpResponse<String>> limited = new ConcurrentLinkedQueue<>();
    long start = System.nanoTime();
    long deadline = start + Duration.ofMillis(2000).toNanos();
    List<Future<?>> hammers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      hammers.add(pool.submit(() -> {
        while (System.nanoTime() < deadline) {
          HttpResponse<String> r = Http.get(server.url() + "/v1/whoami", noisy);
          if (r.statusCode() == 200) {
            ok.incrementAndGet();
          } else if (r.statusCode() == 429) {
            limited.add(r);
          } else {
            throw new AssertionError("unexpected " + r.statusCode() + " " + r.body());
          }
        }
        return null;
      }));
    }
    // Meanwhile the quiet key makes 8 requests in 1.6 s: under its own burst, never refused or held up.
    List<Integer> quietStatuses = new ArrayList<>();
    long slowestQuietMs = 0;
    for (int i = 0; i < 8; i++) {
      long t0 = System.nanoTime();
      quietStatuses.add(Http.get(server.url() + "/v1/whoami", quiet).statusCode());
      slowestQuietMs = Math.max(slowestQuietMs, (System.nanoTime() - t0) / 1_000_000);
      Thread.sleep(200);
    }
    for (Future<?> h : hammers) {
      h.get();
    }
    pool.shutdown();
    double elapsedSeconds = (System.nanoTime() - start) / 1e9;

    assertThat(quietStatuses).containsOnly(200);
    assertThat(slowestQuietMs).as("the quiet key is not slowed down").isLessThan(2000);
    assertThat(limited).as("the noisy key was limited").isNotEmpty();
    assertThat(ok.get()).as("the noisy key got its burst and its rate, no more")
        .isGreaterThanOrEqualTo(BURST)
        .isLessThanOrEqualTo((int) Math.ceil(BURST + RATE * elapsedSeconds) + 1);
    for (HttpResponse<String> r : limited) {
      assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
      assertThat(r.headers().firstValue("retry-after")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 1));
      JsonNode p = JSON.readTree(r.body());
      assertThat(p.get("status").asInt()).isEqualTo(429);
      assertThat(p.get("type").asText()).isEqualTo("https://courier.dev/problems/rate-limited");
    }

    // After Retry-After, the noisy key may go again; the admin key was never limited.
    Thread.sleep(1000);
    assertThat(Http.get(server.url() + "/v1/whoami", noisy).statusCode()).isEqualTo(200);
    assertThat(Http.get(server.url() + "/v1/whoami", ADMIN).statusCode()).isEqualTo(200);
  }

  @Test
  void publicRoutesAndRefusedKeysAreNotCountedAgainstAnyKey() throws Exception {
    for (int i = 0; i < 3 * BURST; i++) {
      assertThat(Http.get(server.url() + "/health/live").statusCode()).isEqualTo(200);
      assertThat(Http.get(server.url() + "/v1/whoami", "ck_not-a-key-" + i).statusCode()).isEqualTo(401);
    }
    String key = newOrganizationKey("fresh");
    for (int i = 0; i < BURST; i++) {
      assertThat(Http.get(server.url() + "/v1/whoami", key).statusCode()).as("request %d", i).isEqualTo(200);
    }
  }

  /** A new organization and a key of it, made with the admin key (4 admin requests: within the burst). */
  private static String newOrganizationKey(String name) throws Exception {
    HttpResponse<String> org = Http.send("POST", server.url() + "/v1/organizations", "{\"name\": \"" + name + "\"}", ADMIN);
    assertThat(org.statusCode()).as(org.body()).isEqualTo(201);
    String id = JSON.readTree(org.body()).get("id").asText();
    HttpResponse<String> key = Http.send("POST", server.url() + "/v1/organizations/" + id + "/keys", "{\"name\": \"k\"}", ADMIN);
    assertThat(key.statusCode()).as(key.body()).isEqualTo(201);
    return JSON.readTree(key.body()).get("key").asText();
  }
}
