package dev.courier.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.queue.testing.TestDatabase;
import dev.courier.server.CourierServer;
import dev.courier.server.testing.Configs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;

/** One in-JVM server on a fresh test database with a fixed admin key, and calls to it. */
final class ApiTestSupport implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "ck_test_admin_key_for_admin_routes_api";
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  final CourierServer server;
  private final Path dataDir;

  private ApiTestSupport(CourierServer server, Path dataDir) {
    this.server = server;
    this.dataDir = dataDir;
  }

  static ApiTestSupport start() throws Exception {
    return start(Map.of());
  }

  /** A server with these settings (environment variables) added. */
  static ApiTestSupport start(Map<String, String> settings) throws Exception {
    Path dir = Files.createTempDirectory("courier-api-test");
    Map<String, String> env = Configs.externalEnv(dir, TestDatabase.createDatabase());
    env.put("COURIER_API_KEY", KEY);
    env.putAll(settings);
    return new ApiTestSupport(CourierServer.start(Configs.load(env)), dir);
  }

  HttpResponse<String> call(String method, String path, String json) {
    return call(method, path, json, KEY, Map.of(), Duration.ofSeconds(30));
  }

  HttpResponse<String> call(String method, String path, String json, String key) {
    return call(method, path, json, key, Map.of(), Duration.ofSeconds(30));
  }

  HttpResponse<String> call(String method, String path, String json, String key, Map<String, String> headers,
      Duration timeout) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(timeout)
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    headers.forEach(b::header);
    try {
      return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static JsonNode body(HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new IllegalStateException("not JSON: " + r.body(), e);
    }
  }

  /** Creates an instance in the caller's organization and returns its id. */
  String instance(String key, String json) {
    HttpResponse<String> r = call("POST", "/v1/instances", json, key);
    if (r.statusCode() != 201) {
      throw new IllegalStateException("instance not created: " + r.statusCode() + " " + r.body());
    }
    return body(r).get("id").asText();
  }

  /** One value of a SQL query with text parameters. */
  Object sql(String query, Object... params) throws Exception {
    try (Connection c = server.database().dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(query)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getObject(1) : null;
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    try (var files = Files.walk(dataDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
