package dev.courier.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.queue.testing.TestDatabase;
import dev.courier.server.CourierServer;
import dev.courier.server.testing.Configs;
import dev.courier.server.testing.Http;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /v1/messages} under concurrency, with group commit on (the default) and off: the
 * same answers, one message per idempotency key, every chat's order kept through to the simulator.
 */
class GroupCommitApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "ck_test_admin_key_for_group_commit";

  private static CourierServer start(boolean groupCommit) throws Exception {
    Path dir = Files.createTempDirectory("courier-group-commit-test");
    Map<String, String> env = Configs.externalEnv(dir, TestDatabase.createDatabase());
    env.put("COURIER_API_KEY", KEY);
    env.put("COURIER_API_RATE_LIMIT", "0");
    // The engine sends up to 64 messages at once beside 32 senders: more than the default 10 connections.
    env.put("COURIER_DATABASE_POOL_SIZE", "40");
    env.put("COURIER_GROUP_COMMIT", Boolean.toString(groupCommit));
    return CourierServer.start(Configs.load(env));
  }

  private static JsonNode body(HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (Exception e) {
      throw new IllegalStateException(r.body(), e);
    }
  }

  private static String send(CourierServer s, String instance, String to, String text, String... headers) {
    HttpResponse<String> r = Http.send("POST", s.url() + "/v1/messages",
        "{\"instanceId\": \"" + instance + "\", \"to\": \"" + to + "\", \"type\": \"text\", \"text\": {\"body\": \""
            + text + "\"}}", KEY, headers);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    return r.body();
  }

  @ParameterizedTest(name = "group commit {0}")
  @ValueSource(booleans = {true, false})
  void concurrentSendsKeepEveryChatsOrderAndOneKeyMakesOneMessage(boolean groupCommit) throws Exception {
    try (CourierServer s = start(groupCommit)) {
      assertThat(s.config().groupCommit()).isEqualTo(groupCommit);
      String instance = body(Http.send("POST", s.url() + "/v1/instances",
          "{\"name\": \"order\", \"provider\": \"simulator\", \"settings\": {\"latency\": \"0ms\"}, \"limits\": {}}", KEY))
          .get("id").asText();

      // 50 concurrent duplicates: one message, every answer its id.
      List<Future<String>> dups = new ArrayList<>();
      try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int n = 0; n < 50; n++) {
          dups.add(pool.submit(() -> send(s, instance, "+5511988880000", "once", "Idempotency-Key", "same-key")));
        }
      }
      Set<String> ids = new HashSet<>();
      for (Future<String> f : dups) {
        ids.add(JSON.readTree(f.get()).get("id").asText());
      }
      assertThat(ids).hasSize(1);
      String once = ids.iterator().next();

      // 200 messages from 32 threads, one thread per chat, each message after the previous answer.
      int threads = 32;
      int total = 200;
      AtomicInteger next = new AtomicInteger();
      Map<String, List<String>> answered = new HashMap<>();
      List<Future<?>> done = new ArrayList<>();
      try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int t = 0; t < threads; t++) {
          String to = "+55119777%05d".formatted(t);
          List<String> mine = new ArrayList<>();
          answered.put(to, mine);
          done.add(pool.submit(() -> {
            while (next.getAndIncrement() < total) {
              JsonNode a = JSON.readTree(send(s, instance, to, "m" + mine.size()));
              assertThat(a.get("queuePosition").asInt()).isBetween(1, mine.size() + 1);
              mine.add(a.get("id").asText());
            }
            return null;
          }));
        }
      }
      for (Future<?> f : done) {
        f.get();
      }
      assertThat(answered.values().stream().mapToInt(List::size).sum()).isEqualTo(total);

      // The simulator received every message once, each chat in the order its answers came.
      Map<String, List<String>> sent = new HashMap<>();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
        sent.clear();
        int seen = 0;
        String cursor = null;
        do {
          JsonNode page = body(Http.send("GET", s.url() + "/v1/instances/" + instance + "/outbox?limit=500"
              + (cursor == null ? "" : "&cursor=" + cursor), null, KEY));
          for (JsonNode e : page.get("data")) {
            sent.computeIfAbsent(e.get("to").asText(), k -> new ArrayList<>()).add(e.get("messageId").asText());
            seen++;
          }
          cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
        } while (cursor != null);
        return seen >= total + 1;
      });
      assertThat(sent.get("+5511988880000")).containsExactly(once);
      for (Map.Entry<String, List<String>> chat : answered.entrySet()) {
        assertThat(sent.getOrDefault(chat.getKey(), List.of())).as(chat.getKey()).isEqualTo(chat.getValue());
      }
    }
  }
}
